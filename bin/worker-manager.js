#!/usr/bin/env node
import '../dist/worker-manager.js';
