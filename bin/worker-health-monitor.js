#!/usr/bin/env node
import '../dist/worker-health-monitor.js';
