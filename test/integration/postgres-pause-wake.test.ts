import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { claimWorkerId } from '../../src/health/worker-pid-file.js';
import { openPoolPause } from '../../src/pause/open-pool-pause.js';
import { freshDatabase, openPostgresHost, type PostgresHost } from '../helpers/postgres-host.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { binPath, runBin } from '../helpers/run-bin.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { stopWorkers, type RunningWorker } from '../helpers/worker-harness.js';

const cluster = usePrivateCluster();
const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

const withOutput = (worker: RunningWorker) => (error: Error) => {
  throw new Error(`${error.message}\n${worker.output.join('\n')}`);
};

/** A task added now is claimed, run and recorded done (the worker's output comes with a timeout). */
async function addedTaskIsDone(host: PostgresHost, worker: RunningWorker, subissue: string): Promise<void> {
  const task = await host.backend.add({ subissue, parent: '1', priority: 1 });
  await waitFor(async () => (await host.backend.get(task.id))?.status === 'done', {
    what: `task ${subissue}, added now, to be done`,
    timeoutMs: 90_000,
    intervalMs: 200,
  }).catch(withOutput(worker));
}

describeWith(['postgres', 'git', 'tmux'], 'the postgres backend across hosts: pause, wake-ups, backoff, kill, lost database', () => {
  it('a pause set on host a is in force on host b, names who set it, and its lift wakes b at once', async () => {
    const url = await freshDatabase(cluster());
    const [a, b] = [await openPostgresHost(url, 'a'), await openPostgresHost(url, 'b')];
    const pauseOf = (host: typeof a) =>
      openPoolPause({
        paths: host.paths,
        now: () => new Date(),
        settings: host.settings,
        env: {},
        database: host.backend.capabilities.database,
      });
    const resetsAt = new Date(Date.now() + 3_600_000);
    await pauseOf(a).pauseFor({ resetsAt, limitType: 'five_hour', source: 'worker-1', message: 'usage limit reached' });
    expect(await pauseOf(b).current()).toMatchObject({ until: resetsAt.toISOString(), limitType: 'five_hour', source: 'a/worker-1' });
    let woken = 0;
    const stop = await b.backend.watch!(() => (woken += 1));
    try {
      expect(await pauseOf(b).lift()).toMatchObject({ source: 'a/worker-1' });
      await waitFor(() => woken > 0, { what: 'the NOTIFY of the lifted pause', timeoutMs: 30_000 });
    } finally {
      stop();
    }
    expect(await pauseOf(a).current()).toBeNull();
  });

  it('PostgreSQL restarted while a worker idles: a task added afterwards starts at once, not at the (slow) poll', async () => {
    const url = await freshDatabase(cluster());
    // A poll far beyond the deadline: only the LISTEN connection, opened again, can wake the worker.
    const host = await openPostgresHost(url, 'a', { POSTGRES_POLL_INTERVAL: '1h' });
    const worker = host.startWorker(1);
    running.push(worker);
    // Its first claim found nothing: it waits for a notification.
    await waitFor(async () => (await host.health.read()).workers['1']?.status === 'idle', { what: 'an idle worker', timeoutMs: 30_000 });
    await cluster().restart();
    await addedTaskIsDone(host, worker, '61');
  }, 120_000);

  it('a failed task handed back during its backoff gets not_before: no host claims it early, and list shows it', async () => {
    const url = await freshDatabase(cluster());
    const a = await openPostgresHost(url, 'a', { RETRY_DELAY: '60s' });
    const b = await openPostgresHost(url, 'b');
    a.setScenario({ default: 'fail:5' });
    const task = await a.backend.add({ subissue: '71', parent: '7', priority: 1 });
    const worker = a.startWorker(1);
    running.push(worker);
    await waitFor(() => worker.output.some((line) => /task 71: retrying in \d+ ms/.test(line)), {
      what: 'the backoff after the failed attempt',
      timeoutMs: 60_000,
    }).catch(withOutput(worker));
    // Stopped during its backoff (30 s to 60 s): the task goes back with what is left of it.
    await stopWorkers(running);
    const queued = await b.backend.get(task.id);
    expect(queued).toMatchObject({ status: 'queued', attempts: 1 });
    expect(Date.parse(queued!.notBefore!)).toBeGreaterThan(Date.now() + 10_000);
    expect(await b.backend.claim(1)).toBeUndefined();
    const listed = await runBin('worker-queue', ['list'], { home: b.paths.root, env: b.env });
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/queued, retry in [\d.]+s/);
    const json = JSON.parse((await runBin('worker-queue', ['list', '--json'], { home: b.paths.root, env: b.env })).stdout);
    expect(json.tasks[0]).toMatchObject({ id: task.id, not_before: queued!.notBefore });
    // `retry` of a task is a person's call: it may be claimed at once.
    await a.backend.requeue(task.id);
    expect(await b.backend.claim(1)).toMatchObject({ id: task.id });
  });

  it('kill on host b of a run on host a: the request is recorded, host a’s manager stops the run at a pass, the task ends killed by the user', async () => {
    const url = await freshDatabase(cluster());
    const manager = { CHECK_INTERVAL: '200ms', WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' };
    const [a, b] = [await openPostgresHost(url, 'a', manager), await openPostgresHost(url, 'b')];
    a.setScenario({ default: 'hang' });
    const task = await a.backend.add({ subissue: '81', parent: '8', priority: 1 });
    // Worker 1 of host a runs in this process: its pid file says so, so the manager leaves its claim alone.
    const release = await claimWorkerId(a.paths, 1, a.settings.LOCK_STALE_TIMEOUT);
    const worker = a.startWorker(1);
    running.push(worker);
    await waitFor(async () => (await a.backend.observeRun(task.id)).state === 'running', {
      what: 'the run on host a',
      timeoutMs: 60_000,
    }).catch(withOutput(worker));
    const killed = await runBin('worker-queue', ['kill', '81'], { home: b.paths.root, env: b.env });
    expect(killed.exitCode, killed.stderr).toBe(0);
    expect(killed.stdout).toBe(
      `Asked host a to kill the run of #81 (repository unknown, id:${task.id}); its manager stops it at its next check, then worker 1 there records it as cancelled (killed by the user).`,
    );
    expect((await a.backend.observeRun(task.id)).state).toBe('running');
    const context = managerContextFor(
      { paths: a.paths, settings: a.settings, now: () => new Date(), env: { ...process.env, ...a.env } },
      { workerBin: binPath('hybrid-worker-enhanced'), cwd: a.repo },
    );
    const controller = new AbortController();
    const loop = runMonitorLoop(context, openPool(context), { signal: controller.signal });
    try {
      await waitFor(async () => (await a.backend.get(task.id))?.status === 'cancelled', {
        what: 'the killed task to be recorded',
        timeoutMs: 60_000,
      }).catch(withOutput(worker));
    } finally {
      controller.abort();
      await loop;
      await release();
    }
    expect((await b.backend.get(task.id))?.lastError).toMatch(/killed by the user/);
    expect(readFileSync(a.paths.managerLog, 'utf8')).toMatch(
      new RegExp(`\\[INFO\\] Stopped the run of task ${task.id} on this host: worker-queue kill on another host asked for it\\.`),
    );
  }, 120_000);

  it('a worker whose task moved on while it was cut off starts no run for it (the token is checked before the process)', async () => {
    const url = await freshDatabase(cluster());
    const [a, b] = [await openPostgresHost(url, 'a', { LEASE_TIMEOUT: '1s' }), await openPostgresHost(url, 'b')];
    const task = await a.backend.add({ subissue: '95', parent: '9', priority: 1 });
    expect(await a.backend.claim(1)).toMatchObject({ id: task.id });
    await waitFor(async () => (await b.backend.claim(1))?.id === task.id, { what: 'b takes the task after the lease', timeoutMs: 60_000 });
    const outputFile = join(a.paths.root, 'run-95.log');
    await expect(
      a.backend.startRun(task.id, { argv: [process.execPath, '-e', ''], cwd: a.repo, env: {}, outputFile }),
    ).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/no longer held by this worker/) });
    expect(existsSync(outputFile)).toBe(false);
  });

  it('a worker that cannot reach the database for longer than its lease stops claiming, says so, and resumes when it is back', async () => {
    const url = await freshDatabase(cluster());
    const host = await openPostgresHost(url, 'a', { LEASE_TIMEOUT: '2s' });
    const worker = host.startWorker(1);
    running.push(worker);
    await waitFor(() => worker.output.some((line) => line.includes('worker 1 started')), { what: 'the worker to start' });
    await cluster().stopServer();
    try {
      await waitFor(
        () => /Worker 1 has not reached the database for \d+ s, longer than its lease \(2 s\): it starts no new work/.test(host.alerts()),
        {
          what: 'the ALERT of a worker cut off from the database',
          timeoutMs: 60_000,
        },
      ).catch(withOutput(worker));
    } finally {
      await cluster().startServer();
    }
    await waitFor(() => worker.output.some((line) => /Worker 1 reaches the database again after \d+ s; it claims again\./.test(line)), {
      what: 'the worker to reach the database again',
      timeoutMs: 90_000,
    }).catch(withOutput(worker));
    await addedTaskIsDone(host, worker, '91');
  }, 240_000);
});
