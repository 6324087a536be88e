import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { tmuxOn } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { out, withManagerBench } from './worker-manager-helpers.js';

// The real worker (dist/hybrid-worker-enhanced.cjs) in real tmux panes on a private socket, the fake
// agent, the embedded queue. `npm run build` first.
describeWith(['git', 'tmux'], 'worker-manager restarts real workers', () => {
  it('replaces a SIGKILLed worker in the same pane without waiting for a check; its task completes once', async () => {
    await withManagerBench({ CHECK_INTERVAL: '3600' }, async (pool) => {
      pool.bench.setScenario({ default: 'sleep:4000' });
      expect((await pool.wm('scale', '2')).exitCode).toBe(0);
      expect(out((await pool.wm('start')).stdout)).toMatch(/Manager started/);
      await waitFor(() => pool.managerLog().includes('Manager started'), { what: 'the manager loop' });
      const task = await pool.bench.backend.add({ subissue: '101', parent: '7', priority: 1 });
      const holder = await waitFor(async () => (await pool.bench.backend.get(task.id))?.workerId, {
        timeoutMs: 30_000,
        what: 'a worker to claim the task',
      });
      await waitFor(() => pool.bench.starts().length > 0, { timeoutMs: 30_000, what: 'the agent to start' });
      const before = await pool.livePane(holder);
      process.kill(pool.workerPid(before), 'SIGKILL');
      const after = await pool.livePane(holder, before.pid, 30_000);
      expect(after.paneId).toBe(before.paneId);
      // CHECK_INTERVAL is an hour: only the pane-died hook (or the liveness poll that backs it up) can have done this.
      expect(pool.managerLog()).toMatch(new RegExp(`Worker ${holder}: its process (was killed by signal 9|exited|is gone from the pane)`));
      await waitFor(async () => (await pool.bench.backend.get(task.id))?.status === 'done', {
        timeoutMs: 60_000,
        what: 'the task to finish',
      });
      expect(pool.bench.commits()).toEqual(['101']);
      expect((await pool.bench.health.read()).workers[String(holder)]!.restarts).toBe(1);
    });
  });

  it('restarts a SIGSTOPped (alive, silent) worker from its heartbeat', async () => {
    await withManagerBench({ CHECK_INTERVAL: '1', DEAD_WORKER_THRESHOLD: '3' }, async (pool) => {
      expect((await pool.wm('scale', '1')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      const before = await pool.livePane(1);
      const worker = pool.workerPid(before);
      await waitFor(async () => (await pool.bench.health.read()).workers['1']?.pid === worker, { timeoutMs: 30_000, what: 'a heartbeat' });
      process.kill(worker, 'SIGSTOP');
      const after = await pool.livePane(1, before.pid, 30_000);
      expect(after.paneId).toBe(before.paneId);
      expect(pool.managerLog()).toMatch(/Worker 1: its heartbeat stopped \((unresponsive|dead)\)/);
      // The stopped process was killed, not left behind.
      await waitFor(
        () => {
          try {
            process.kill(worker, 0);
            return false;
          } catch {
            return true;
          }
        },
        { what: 'the hung worker to be gone' },
      );
    });
  });

  it('reports a killed pane missing, then recreates it with the same id', async () => {
    await withManagerBench({ CHECK_INTERVAL: '1' }, async (pool) => {
      expect((await pool.wm('scale', '2')).exitCode).toBe(0);
      const victim = await pool.livePane(2);
      await pool.livePane(1);
      expect((await pool.wm('start')).exitCode).toBe(0);
      tmuxOn(pool.socket, 'kill-pane', '-t', victim.paneId);
      const recreated = await pool.livePane(2, victim.pid, 30_000);
      expect(recreated.paneId).not.toBe(victim.paneId);
      expect(pool.managerLog()).toMatch(/Worker 2: its pane is missing/);
      const status = JSON.parse(out((await pool.wm('status', '--json')).stdout));
      expect(status.workers.map((row: { id: number }) => row.id)).toEqual([1, 2]);
    });
  });

  it('backs off a worker that crashes at every start, gives up with an ALERT, and keeps the count across a manager restart', async () => {
    // A real misconfiguration: the workers are told to use Pueue, which is not on their PATH.
    await withManagerBench(
      {
        CHECK_INTERVAL: '1',
        RESTART_DELAY: '0.3',
        MAX_RESTART_ATTEMPTS: '3',
        RESTART_MIN_UPTIME: '60',
        WORKER_BACKEND: 'pueue',
        PATH: '/usr/local/bin:/usr/bin:/bin',
      },
      async (pool) => {
        expect((await pool.wm('scale', '1')).exitCode).toBe(0);
        expect((await pool.wm('start')).exitCode).toBe(0);
        await waitFor(() => pool.managerLog().includes('Worker 1 restarted'), { timeoutMs: 30_000, what: 'a first restart' });
        expect(out((await pool.wm('stop')).stdout)).toMatch(/Manager stopped/);
        expect(out((await pool.wm('start')).stdout)).toMatch(/Manager started/);
        expect(out((await pool.wm('start')).stdout)).toMatch(/already running/);
        await waitFor(() => pool.managerLog().includes('gave up'), { timeoutMs: 60_000, what: 'the give-up' });
        const log = pool.managerLog();
        expect(log).toMatch(/\[ALERT\] Worker 1 gave up: .* after 3 consecutive unstable restarts/);
        expect([...log.matchAll(/will be restarted in (\d+) ms/g)].map((match) => Number(match[1]))).toEqual([300, 600]);
        expect(log.match(/Worker 1 restarted/g)).toHaveLength(3);
        expect((log.match(/Manager started/g) ?? []).length).toBe(2);
        const status = JSON.parse(out((await pool.wm('status', '--json')).stdout));
        expect(status.workers[0]).toMatchObject({ id: 1, health: 'gave-up', restarts: 3 });
      },
    );
  });
});
