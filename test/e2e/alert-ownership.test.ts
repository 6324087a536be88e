import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { HealthService } from '../../src/health/health-service.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { withManagerBench } from './worker-manager-helpers.js';

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describeWith(['git', 'tmux'], 'who writes which ALERT: one line in alerts.log per event', () => {
  it('the manager alerts a worker death once; the health monitor leaves deaths to a running manager and alerts them itself when none runs', async () => {
    await withManagerBench({ CHECK_INTERVAL: '3600' }, async (pool) => {
      const { paths } = pool.bench;
      expect((await pool.wm('scale', '1')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      await waitFor(() => pool.managerLog().includes('Manager started'), { what: 'the manager loop' });
      const before = await pool.livePane(1);
      process.kill(pool.workerPid(before), 'SIGKILL');
      await pool.livePane(1, before.pid, 30_000);
      await waitFor(() => /Worker 1: its process .*; restarting it now\./.test(read(paths.alertsLog)), {
        what: 'the ALERT of the death',
        timeoutMs: 10_000,
      });
      expect(read(paths.alertsLog).match(/Worker 1: /g)).toHaveLength(1);

      // Worker 7's last heartbeat was an hour ago: dead by its heartbeat.
      await new HealthService({ paths, settings: pool.bench.settings, now: () => new Date(Date.now() - 3_600_000) }).heartbeat(7, {
        status: 'working',
        task: '9',
      });
      const monitor = () => runBin('worker-health-monitor', ['monitor', '--once'], { home: pool.bench.home, env: pool.env });
      expect((await monitor()).exitCode).toBe(0);
      expect(read(paths.alertsLog)).not.toMatch(/Worker 7/);
      expect(read(paths.healthLog)).toMatch(
        /\[WARN\] Worker 7 is dead: no heartbeat for [\d.]+ s\. \(the manager, pid \d+, alerts on it\)/,
      );

      expect((await pool.wm('stop')).exitCode).toBe(0);
      expect((await monitor()).exitCode).toBe(0);
      expect(read(paths.alertsLog).match(/Worker 7 is dead/g)).toHaveLength(1);
    });
  });
});
