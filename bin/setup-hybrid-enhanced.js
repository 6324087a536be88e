#!/usr/bin/env node
import '../dist/setup-hybrid-enhanced.js';
