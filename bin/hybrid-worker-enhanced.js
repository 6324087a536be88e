#!/usr/bin/env node
require('../dist/run-bundle.cjs').runBundle(require.resolve('../dist/hybrid-worker-enhanced.cjs'));
