// vitest.config.ts `setupFiles`: evaluated again before every test file, also where test files share
// their modules (the unit project), so the hooks here apply to every file.
import { afterEach } from 'vitest';
import { runAfterTestCleanups } from './after-test.js';

// One hook runs every helper's cleanups (tmux servers, daemons, servers, processes, mounts, temp
// dirs), so it gets the time of several hooks.
afterEach(runAfterTestCleanups, 180_000);
