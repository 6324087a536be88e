#!/usr/bin/env node
import '../dist/worker-performance.js';
