import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone } from '../helpers/worker-harness.js';
import { expectEachOnce, withSurvivalPool, type SurvivalPool } from './pool-survival-helpers.js';

/** Every process of the pool is gone soon after shutdown returned (tmux and the kernel reap them). */
const expectNothingLeft = (pool: SurvivalPool) =>
  waitFor(() => pool.processes().length === 0, {
    timeoutMs: 15_000,
    what: `no process of the pool left (${pool.describe(pool.processes())})`,
  });

describeEachBackend(['git', 'tmux'], 'worker-manager shutdown on the %s backend', (backendName) => {
  it('drains the workers, then leaves no process of the pool behind (pueued it started included); ensure brings the pool back', async () => {
    await withSurvivalPool(backendName, async (pool) => {
      if (pool.env.PUEUE_CONFIG_PATH) {
        // Setup then starts pueued itself, as for a user whose daemon is not running.
        spawnSync('pueue', ['-c', pool.env.PUEUE_CONFIG_PATH, 'shutdown'], { stdio: 'ignore', timeout: 10_000 });
        await waitFor(() => spawnSync('pueue', ['-c', pool.env.PUEUE_CONFIG_PATH!, 'status'], { stdio: 'ignore' }).status !== 0, {
          timeoutMs: 20_000,
          what: 'the test daemon down',
        });
      }
      pool.bench.setScenario({ default: 'sleep:3000' });
      expect((await pool.run('setup-hybrid-enhanced', '2')).exitCode).toBe(0);
      for (const subissue of ['901', '902']) expect((await pool.run('worker-queue', 'add', '2', '900', subissue)).exitCode).toBe(0);
      await waitFor(() => pool.bench.starts().length >= 2, { timeoutMs: 60_000, what: 'both agent runs started' });

      const result = await pool.run('worker-manager', 'shutdown');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Manager stopped\.\nDraining workers 2, 1 \(each finishes its current task\)/);
      expect(result.stdout).toMatch(/The pool is shut down/);
      await expectNothingLeft(pool);
      if (backendName === 'pueue') expect(result.stdout).toMatch(/Stopped the Pueue daemon the pool started/);
      expect(expectEachOnce(pool.history(), ['901', '902'])).toEqual([]);

      const ensure = await pool.run('worker-manager', 'ensure');
      expect(ensure.exitCode, ensure.stderr).toBe(0);
      expect(ensure.stdout).toMatch(/The pool has 2 workers: 1, 2\./);
    });
  }, 300_000);

  it('--now stops the running task, which goes back to the queue, and leaves no process behind', async () => {
    await withSurvivalPool(backendName, async (pool) => {
      pool.bench.setScenario({ default: 'hang' });
      expect((await pool.run('setup-hybrid-enhanced', '1')).exitCode).toBe(0);
      expect((await pool.run('worker-queue', 'add', '2', '900', '903')).exitCode).toBe(0);
      const [run] = await waitFor(() => (pool.bench.starts().length > 0 ? pool.bench.starts() : undefined), {
        timeoutMs: 60_000,
        what: 'the agent run started',
      });

      const result = await pool.run('worker-manager', 'shutdown', '--now');
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Stopping worker 1 \(in-flight tasks requeued\)/);
      await expectNothingLeft(pool);
      expect(isGone(run!.pid)).toBe(true);
      const [task] = await pool.bench.backend.list();
      expect(task?.status).toBe('queued');
    });
  }, 300_000);
});
