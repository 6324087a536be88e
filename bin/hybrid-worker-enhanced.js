#!/usr/bin/env node
import '../dist/hybrid-worker-enhanced.js';
