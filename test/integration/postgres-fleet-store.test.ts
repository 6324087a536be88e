// Health and history of two hosts in one database (issue 17): two data roots with their own
// WORKER_HOST write heartbeats, counters and task history through the stores the worker uses;
// the views and exports of either host show both hosts' workers and tasks.
import { expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openFleetStores } from '../../src/health/open-stores.js';
import { healthReportSchema } from '../../src/health/report.js';
import { migrateDatabase, openDatabase } from '../../src/adapters/postgres/shared-database.js';
import { PostgresHealthStore } from '../../src/health/postgres-health-store.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const cluster = usePrivateCluster();

const MINUTE = 60_000;

/** One host: its data root, its settings and environment, and the stores its workers write through. */
function host(name: string, url: string, now: () => Date = () => new Date()) {
  const home = makeTempDir(`hw-fleet-${name}-`);
  const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres' as const, WORKER_HOST: name };
  // A private tmux socket: `worker-manager status` looks for this host's pool there.
  const env = {
    WORKER_BACKEND: 'postgres',
    WORKER_HOST: name,
    WORKERS_DATABASE_URL: url,
    WORKERS_TMUX_SOCKET: `hw-fleet-${process.pid}-${name}`,
  };
  const stores = openFleetStores({ paths: dataPaths(home), settings, env, now });
  const run = (bin: string, args: string[]) => runBin(bin, args, { home, env });
  return { home, stores, run };
}

const taskRecord = (task: string, workerId: number, result: 'success' | 'failed', endedAt: Date) => ({
  version: 1 as const,
  task_id: task,
  parent: '9',
  worker_id: workerId,
  attempts: 1,
  started_at: new Date(endedAt.getTime() - MINUTE).toISOString(),
  ended_at: endedAt.toISOString(),
  result,
  error_class: result === 'failed' ? ('agent_error' as const) : null,
});

describeWith(['postgres'], 'health and history of two hosts in one database', () => {
  it('either host reports, checks and exports both hosts’ workers and tasks', async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const alpha = host('alpha', url);
    const beta = host('beta', url);
    // beta's worker 3 stopped beating ten minutes ago: it is dead, seen from alpha too.
    const betaPast = host('beta', url, () => new Date(Date.now() - 10 * MINUTE));
    const now = new Date();
    try {
      await alpha.stores.health.heartbeat(1, { status: 'working', task: '101' });
      await alpha.stores.health.complete(1, true);
      await alpha.stores.history.append(taskRecord('100', 1, 'success', now), now);
      await beta.stores.health.heartbeat(1, { status: 'idle' });
      await beta.stores.health.restart(1);
      await beta.stores.health.complete(1, false);
      await beta.stores.history.append(taskRecord('200', 1, 'failed', now), now);
      await betaPast.stores.health.heartbeat(3, { status: 'working', task: '300' });
      // The CLI's heartbeat writes this host's worker, as a shell-era worker would.
      expect((await beta.run('worker-health-monitor', ['heartbeat', '2', 'idle'])).exitCode).toBe(0);

      for (const side of [alpha, beta]) {
        const report = healthReportSchema.parse(JSON.parse((await side.run('worker-health-monitor', ['report', '--json'])).stdout));
        expect(report.workers.map((worker) => `${worker.host}/${worker.id}:${worker.health}`)).toEqual([
          'alpha/1:working',
          'beta/1:healthy',
          'beta/2:healthy',
          'beta/3:dead',
        ]);
        expect(report.stats).toMatchObject({ total_tasks: 2, successful_tasks: 1, failed_tasks: 1, restarts: 1 });
      }

      const dashboard = await alpha.run('worker-health-monitor', ['dashboard', '--once']);
      expect(dashboard.stdout).toMatch(/Host\s+│\s+Worker/);
      expect(dashboard.stdout).toMatch(/beta\s+│\s+3\s+│\s+dead/);

      const healthy = await alpha.run('worker-health-monitor', ['check', 'beta/2']);
      expect([healthy.exitCode, healthy.stdout.trim()]).toEqual([0, 'healthy']);
      const dead = await alpha.run('worker-health-monitor', ['check', 'beta/3']);
      expect([dead.exitCode, dead.stdout.trim()]).toEqual([2, 'dead']);
      // Plain `id` is this host's worker: alpha has no worker 3.
      expect((await alpha.run('worker-health-monitor', ['check', '3'])).stdout.trim()).toBe('unknown');
      const metrics = JSON.parse((await alpha.run('worker-health-monitor', ['metrics', 'beta/1'])).stdout);
      expect(metrics).toMatchObject({ host: 'beta', restarts: 1 });

      // The manager's status: this host's pool (none here) and the other host's workers beside it.
      const status = JSON.parse((await alpha.run('worker-manager', ['status', '--json'])).stdout);
      expect(status.workers.map((row: { host: string; id: number; health: string }) => `${row.host}/${row.id}:${row.health}`)).toEqual([
        'beta/1:healthy',
        'beta/2:healthy',
        'beta/3:dead',
      ]);

      const performance = JSON.parse((await beta.run('worker-performance', ['report', '--json'])).stdout);
      expect(performance.workers.map((row: { host: string; id: number }) => `${row.host}/${row.id}`)).toEqual([
        'alpha/1',
        'beta/1',
        'beta/2',
        'beta/3',
      ]);
      expect(performance.history.records).toBe(2);
      expect(performance.overall.results).toEqual({ success: 1, review: 0, failed: 1, cancelled: 0, unverified: 0 });

      const timeline = JSON.parse((await alpha.run('worker-performance', ['timeline', '--json'])).stdout);
      expect(timeline.entries.map((entry: { host: string; task_id: string }) => `${entry.host}:${entry.task_id}`).sort()).toEqual([
        'alpha:100',
        'beta:200',
      ]);
      const csv = (await alpha.run('worker-performance', ['export', '-', '--format', 'csv'])).stdout.split('\n');
      expect(csv[0]).toBe('Worker ID,Tasks Completed,Tasks Failed,Total Tasks,Efficiency %,Restarts,Current Status,Host');
      expect(csv).toContain('1,0,1,1,0,1,idle,beta');
      const prom = (await beta.run('worker-performance', ['export', '-', '--format', 'prom'])).stdout;
      expect(prom).toContain('hybrid_workers_worker_restarts_total{host="beta",worker="1"} 1');
      expect(prom).toContain('hybrid_workers_tasks_total{host="alpha",worker="1",result="succeeded"} 1');
    } finally {
      await Promise.all([alpha.stores.close(), beta.stores.close(), betaPast.stores.close()]);
    }
  }, 180_000);

  it('a resumed worker finds its own host’s record only; a reset keeps the host’s previous rows', async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const alpha = host('alpha', url);
    const beta = host('beta', url);
    const now = new Date();
    try {
      const record = taskRecord('500', 1, 'success', now);
      await alpha.stores.history.append(record, now);
      expect(await alpha.stores.history.hasRecord(record)).toBe(true);
      expect(await beta.stores.history.hasRecord(record)).toBe(false);

      await alpha.stores.health.heartbeat(1, { status: 'idle' });
      await alpha.stores.health.complete(1, true);
      await beta.stores.health.heartbeat(1, { status: 'idle' });
      const reset = await alpha.run('worker-health-monitor', ['reset']);
      expect(reset.stdout).toMatch(/row \d+ of table hw_worker_resets/);
      expect(Object.keys((await alpha.stores.health.readFleet()).workers)).toEqual(['beta/1']);
      const report = JSON.parse((await beta.run('worker-health-monitor', ['report', '--json'])).stdout);
      expect(report.workers.map((worker: { host: string }) => worker.host)).toEqual(['beta']);
    } finally {
      await Promise.all([alpha.stores.close(), beta.stores.close()]);
    }
  }, 180_000);

  it('a heartbeat is one statement, the first one included, and keeps a task’s start while the task is the same', async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const database = openDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const statements: string[] = [];
    const counting = Object.assign(Object.create(database) as typeof database, {
      query: (text: string, values?: readonly unknown[]) => (statements.push(text), database.query(text, values)),
    });
    let clock = new Date('2026-12-01T10:00:00.000Z');
    const store = new PostgresHealthStore({
      database: async () => counting,
      host: 'alpha',
      paths: dataPaths(makeTempDir()),
      now: () => clock,
    });
    try {
      const first = await store.heartbeat(1, { status: 'working', task: '11' });
      clock = new Date('2026-12-01T10:00:05.000Z');
      const second = await store.heartbeat(1, { status: 'working', task: '11' });
      clock = new Date('2026-12-01T10:00:10.000Z');
      const third = await store.heartbeat(1, { status: 'working', task: '12' });
      expect(statements).toHaveLength(3);
      expect(first.task_started_at).toBe('2026-12-01T10:00:00.000Z');
      expect(second).toMatchObject({ task_started_at: '2026-12-01T10:00:00.000Z', last_heartbeat: '2026-12-01T10:00:05.000Z' });
      expect(third).toMatchObject({ task_started_at: '2026-12-01T10:00:10.000Z', started_at: '2026-12-01T10:00:00.000Z' });
    } finally {
      await database.close();
    }
  });
});
