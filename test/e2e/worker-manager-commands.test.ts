import { expect, it } from 'vitest';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { out, withManagerBench, type ManagerBench } from './worker-manager-helpers.js';

/** Scales to one worker and gives it a task whose agent sleeps `sleepMs`; resolves once the agent runs. */
async function busyWorker(pool: ManagerBench, sleepMs: number, subissue: string) {
  pool.bench.setScenario({ default: `sleep:${sleepMs}` });
  expect((await pool.wm('scale', '1')).exitCode).toBe(0);
  const before = await pool.livePane(1);
  const task = await pool.bench.backend.add({ subissue, parent: '3', priority: 1 });
  await waitFor(() => pool.bench.starts().length > 0, { timeoutMs: 30_000, what: 'the agent to start' });
  return { before, task };
}

describeWith(['git', 'tmux'], 'worker-manager restart, logs, health and stop with real workers', () => {
  it('restart ID drains the worker first: its task finishes, then the same pane runs a new worker', async () => {
    await withManagerBench({ CHECK_INTERVAL: '2' }, async (pool) => {
      const { before, task } = await busyWorker(pool, 3000, '301');
      const result = await pool.wm('restart', '1');
      expect(result.exitCode).toBe(0);
      expect(out(result.stdout)).toMatch(/Draining worker 1 before its restart\.\.\.\nWorker 1 restarted\./);
      // Drained: the task was finished by the old worker before it was replaced.
      expect((await pool.bench.backend.get(task.id))?.status).toBe('done');
      const after = await pool.livePane(1, before.pid);
      expect(after.paneId).toBe(before.paneId);
      expect(pool.bench.commits()).toEqual(['301']);
      expect(pool.managerLog()).toMatch(/Worker 1 asked to drain before its restart/);
    });
  });

  it('restart ID --force replaces the worker at once; the new worker finishes the task exactly once', async () => {
    await withManagerBench({ CHECK_INTERVAL: '2' }, async (pool) => {
      const { before, task } = await busyWorker(pool, 4000, '302');
      expect((await pool.wm('restart', '1', '--force')).exitCode).toBe(0);
      const after = await pool.livePane(1, before.pid);
      expect(after.paneId).toBe(before.paneId);
      await waitFor(async () => (await pool.bench.backend.get(task.id))?.status === 'done', {
        timeoutMs: 60_000,
        what: 'the task to finish',
      });
      expect(pool.bench.commits()).toEqual(['302']);
    });
  });

  it('shows logs, the health dashboard and status, and stops leaving the workers running', async () => {
    await withManagerBench({ CHECK_INTERVAL: '2' }, async (pool) => {
      expect((await pool.wm('scale', '2')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      await waitFor(async () => Object.keys((await pool.bench.health.read()).workers).length === 2, {
        timeoutMs: 30_000,
        what: 'two heartbeats',
      });
      const logs = await pool.wm('logs', '--no-follow', '--lines', '2');
      expect(logs.exitCode).toBe(0);
      expect(out(logs.stdout).trim().split('\n')).toHaveLength(2);
      const health = await pool.wm('health', '--once');
      expect(out(health.stdout)).toContain('Worker health dashboard');
      const status = await pool.wm('status');
      expect(out(status.stdout)).toMatch(/Manager: running \(pid \d+/);
      expect(out(status.stdout)).toMatch(/│ 2\s+│ %\d+\s+│ (healthy|working)/);
      const panes = await pool.panes();
      expect(out((await pool.wm('stop')).stdout)).toMatch(/Manager stopped; the workers keep running/);
      expect(out((await pool.wm('status', '--json')).stdout)).toMatch(/"running": false/);
      const still = await pool.panes();
      expect([...still.values()].map((pane) => [pane.paneId, pane.dead])).toEqual([...panes.values()].map((pane) => [pane.paneId, false]));
    });
  });

  it('resume lifts the pool-wide usage-limit pause, which status shows', async () => {
    await withManagerBench({}, async (pool) => {
      expect(out((await pool.wm('resume')).stdout)).toMatch(/The pool was not paused/);
      const pause = new UsagePause({ paths: pool.bench.paths, now: () => new Date(), random: () => 0, jitterMaxMs: 0 });
      await pause.pauseFor({ resetsAt: new Date(Date.now() + 3_600_000), limitType: 'five_hour', source: 'worker-1', message: 'limit' });
      expect(JSON.parse(out((await pool.wm('status', '--json')).stdout)).pause).toMatch(/^paused until .* \(five_hour\)$/);
      expect(out((await pool.wm('resume')).stdout)).toMatch(/Resumed: the pool was paused until/);
      expect(await pause.current()).toBeNull();
    });
  });
});
