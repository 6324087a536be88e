#!/usr/bin/env node
require('../dist/run-bundle.cjs').runBundle(require.resolve('../dist/worker-queue.cjs'));
