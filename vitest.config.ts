import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests by speed: three projects, one per folder of test/.
// - unit: pure code, no build and no services; worker threads that keep their modules from one
//   file to the next (isolate: false), so a file costs its tests, not a fresh Node and module graph.
//   A unit test therefore leaves no state behind (no vi.mock, fake timers, env or cwd changes
//   that outlive it); per-test cleanups go through test/helpers/after-test.ts.
// - integration and e2e: real tmux, git, pueue, postgres and the built binaries, each file in its own
//   process (forks, isolated), at most two at once: two cores cannot run many of them together.
// The unit project runs first (groupOrder), so the slow projects never share the cores with it.
// Pool sizes and isolation are per pool, not per project (vitest 3), hence poolOptions at the root.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['./test/helpers/setup-each-file.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // The fake agents keep notes outside their worktrees, which the agent's sandbox hides; the
    // sandbox's own tests turn it on (test/integration/worker-sandbox.test.ts).
    env: { SANDBOX: 'off' },
    poolOptions: {
      // vitest's default (a thread per core but one), yet two on two cores: the main process is mostly idle.
      threads: { isolate: false, maxThreads: Math.max(2, availableParallelism() - 1) },
      forks: { maxForks: 2, minForks: 1 },
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads', isolate: false, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], pool: 'forks', sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], pool: 'forks', sequence: { groupOrder: 1 } },
      },
    ],
  },
});
