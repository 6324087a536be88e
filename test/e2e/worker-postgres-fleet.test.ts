// A real worker on WORKER_BACKEND=postgres writes its heartbeats and its task's history to the
// database: the other host (another data root, another WORKER_HOST, same database) sees both.
import { expect, it } from 'vitest';
import { migrateDatabase } from '../../src/adapters/postgres/shared-database.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

const cluster = usePrivateCluster();

describeWith(['postgres', 'git'], 'a worker on the postgres backend', () => {
  it("beats and records its task where the other host's views read them", async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const bench = await makeWorkerBench('embedded');
    const shared = { WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url };
    const alpha = { ...bench.env, ...shared, WORKER_HOST: 'alpha' };
    const betaHome = makeTempDir('hw-beta-');
    const beta = (bin: string, args: string[]) => runBin(bin, args, { home: betaHome, env: { ...shared, WORKER_HOST: 'beta' } });
    expect((await runBin('worker-queue', ['add', '1', '7', '71'], { home: bench.home, env: alpha, cwd: bench.repo })).exitCode).toBe(0);

    const worker = spawnWorker({ repo: bench.repo, env: alpha }, 2);
    const report = await waitFor(
      async () => {
        const performance = JSON.parse((await beta('worker-performance', ['report', '--json'])).stdout);
        return performance.history.records === 1 ? performance : undefined;
      },
      { what: "the task in beta's performance report", timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(report.workers).toMatchObject([{ host: 'alpha', id: 2, succeeded: 1, source: 'metrics' }]);
    const health = JSON.parse((await beta('worker-health-monitor', ['report', '--json'])).stdout);
    expect(health.workers).toMatchObject([{ host: 'alpha', id: 2, tasks_completed: 1 }]);
    expect(['healthy', 'working']).toContain(health.workers[0].health);
    expect((await beta('worker-health-monitor', ['check', 'alpha/2'])).exitCode).toBe(0);
    const timeline = JSON.parse((await beta('worker-performance', ['timeline', '--json'])).stdout);
    expect(timeline.entries).toMatchObject([{ host: 'alpha', worker_id: 2, task_id: '71', result: 'success' }]);
    worker.kill('SIGTERM');
    expect((await worker).exitCode).toBe(0);
  }, 180_000);
});
