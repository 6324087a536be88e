#!/usr/bin/env node
import '../dist/worker-queue.js';
