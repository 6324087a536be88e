import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests drive real tmux, git and pueue processes; two cores cannot run many at once.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // The fake agents keep notes outside their worktrees, which the agent's sandbox hides; the
    // sandbox's own tests turn it on (test/integration/worker-sandbox.test.ts).
    env: { SANDBOX: 'off' },
  },
});
