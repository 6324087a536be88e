import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { managerPidFile } from '../../src/health/manager-state.js';
import { describeEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectEachOnce, withSurvivalPool, type SurvivalPool } from './pool-survival-helpers.js';

const TASKS = 6;
const PARENT = '700';
const subissues = Array.from({ length: TASKS }, (_, index) => String(800 + index));

const managerPid = (pool: SurvivalPool) => JSON.parse(readFileSync(managerPidFile(pool.bench.paths), 'utf8')).pid as number;

/** Setup with 3 workers, TASKS tasks of a few seconds each; resolves once 3 runs are under way. */
async function startBusyPool(pool: SurvivalPool): Promise<void> {
  pool.bench.setScenario({ default: 'sleep:4000' });
  const setup = await pool.run('setup-hybrid-enhanced', '3');
  expect(setup.exitCode, setup.stderr).toBe(0);
  for (const subissue of subissues) expect((await pool.run('worker-queue', 'add', '2', PARENT, subissue)).exitCode).toBe(0);
  await waitFor(() => pool.bench.starts().length >= 3, { timeoutMs: 60_000, what: 'three agent runs started' });
}

async function expectAllDoneOnce(pool: SurvivalPool): Promise<void> {
  await waitFor(async () => (await pool.count('done')) === TASKS, {
    timeoutMs: 240_000,
    intervalMs: 500,
    what: `every task done (manager log: ${readFileSync(pool.bench.paths.managerLog, 'utf8')})`,
  });
  expect(expectEachOnce(pool.history(), subissues)).toEqual([]);
}

describeEachBackend(['git', 'tmux'], 'the pool on the %s backend', (backendName) => {
  it('comes back when the workers’ tmux server is SIGKILLed mid-task: the manager survives, rebuilds it, alerts', async () => {
    await withSurvivalPool(backendName, async (pool) => {
      await startBusyPool(pool);
      const manager = managerPid(pool);
      process.kill(pool.tmuxServerPid(pool.socket), 'SIGKILL');

      await waitFor(async () => (await listWorkerPanes({ socket: pool.socket }, 'hw-workers')).size === 3, {
        timeoutMs: 30_000,
        what: 'the session rebuilt with 3 workers',
      });
      expect(pool.alerts()).toMatch(/The tmux session hw-workers is gone .*rebuilding it with workers 1, 2, 3/);
      await expectAllDoneOnce(pool);
      expect(managerPid(pool)).toBe(manager);
    });
  }, 600_000);

  it('comes back after a simulated reboot with worker-manager ensure, which is idempotent', async () => {
    await withSurvivalPool(backendName, async (pool) => {
      await startBusyPool(pool);
      // Every process of the pool dies at once: runs, workers, manager, both tmux servers, pueued.
      const daemonPidFile = pool.env.PUEUE_CONFIG_PATH ? join(dirname(pool.env.PUEUE_CONFIG_PATH), 'pueue.pid') : undefined;
      const daemon = daemonPidFile === undefined ? [] : [Number(readFileSync(daemonPidFile, 'utf8').trim())];
      await waitFor(
        () => {
          for (const pid of [...pool.processes(), ...daemon]) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // Already gone.
            }
          }
          return pool.processes().length === 0;
        },
        { timeoutMs: 20_000, what: 'every process of the pool killed' },
      );

      const ensure = await pool.run('worker-manager', 'ensure');
      expect(ensure.exitCode, ensure.stderr).toBe(0);
      expect(ensure.stdout).toMatch(/The pool has 3 workers: 1, 2, 3\./);
      expect(ensure.stdout).toMatch(/Manager started/);
      const manager = managerPid(pool);
      const panes = [...(await listWorkerPanes({ socket: pool.socket }, 'hw-workers')).values()].map((pane) => pane.pid);

      const again = await pool.run('worker-manager', 'ensure');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/The manager is already running/);
      expect(managerPid(pool)).toBe(manager);
      expect([...(await listWorkerPanes({ socket: pool.socket }, 'hw-workers')).values()].map((pane) => pane.pid)).toEqual(panes);

      // Only the manager gone: ensure starts it and leaves the running workers alone.
      process.kill(manager, 'SIGKILL');
      const third = await pool.run('worker-manager', 'ensure');
      expect(third.exitCode, third.stderr).toBe(0);
      expect(third.stdout).toMatch(/Manager started/);
      expect(managerPid(pool)).not.toBe(manager);
      expect([...(await listWorkerPanes({ socket: pool.socket }, 'hw-workers')).values()].map((pane) => pane.pid)).toEqual(panes);

      await expectAllDoneOnce(pool);
    });
  }, 600_000);
});
