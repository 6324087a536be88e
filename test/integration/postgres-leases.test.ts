import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { createEventLog } from '../../src/core/event-log.js';
import { dataPaths } from '../../src/core/paths.js';
import { returnOrphanedClaims } from '../../src/manager/orphan-claims.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { migrateDatabase } from '../../src/adapters/postgres/shared-database.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { queueClaimerScript, startQueueChild } from '../helpers/queue-child.js';
import { gatedAgent } from '../helpers/queue-probes.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const LEASE_MS = 1500;
const cluster = usePrivateCluster();

async function freshDatabase(): Promise<string> {
  const url = await cluster().createDatabase();
  await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
  return url;
}

/** One host's view of the shared queue: its own data root and WORKER_HOST. */
async function hostBackend(url: string, host: string) {
  const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres' as const, WORKER_HOST: host, LEASE_TIMEOUT: LEASE_MS };
  const { backend } = await openQueueBackend({
    paths: dataPaths(makeTempDir(`hw-host-${host}-`)),
    settings,
    env: { ...process.env, WORKERS_DATABASE_URL: url },
  });
  return backend;
}

/** A plain connection to the test's database, to read what the backend wrote. */
const databaseClient = (url: string) =>
  new pg.Client({ host: cluster().socketDir, port: cluster().port, user: 'hw', database: /localhost\/(\w+)\?/.exec(url)![1]! });

describeWith(['postgres'], 'postgres leases and fencing', () => {
  it('a worker whose lease ran out cannot finish the task another host now holds', async () => {
    const url = await freshDatabase();
    const [a, b] = [await hostBackend(url, 'a'), await hostBackend(url, 'b')];
    const task = await a.add({ subissue: '41', parent: '4', priority: 1 });
    expect(await a.claim(1)).toMatchObject({ id: task.id, workerId: 1 });
    // Host a beats no more: once the lease is over, b's claim takes the task.
    expect(await b.claim(1)).toBeUndefined();
    await waitFor(async () => (await b.claim(1))?.id === task.id, { what: 'b takes the task after the lease', timeoutMs: 60_000 });
    await expect(a.finish(task.id, { status: 'done' })).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(/no longer held by this worker/),
    });
    await expect(a.requeue(task.id)).rejects.toMatchObject({ kind: 'conflict' });
    // What a worker asks before it records an outcome: only the holder may.
    await expect(a.capabilities.leases!.confirmLease(task.id)).rejects.toMatchObject({ kind: 'conflict' });
    await b.capabilities.leases!.confirmLease(task.id);
    expect(await b.get(task.id)).toMatchObject({ status: 'claimed', workerId: 1, lastError: 'lease of a/1 expired' });
    await b.finish(task.id, { status: 'done' });
    expect(await a.list()).toMatchObject([{ id: task.id, status: 'done' }]);
  }, 120_000);

  it('a heartbeat renewing the lease keeps the task with its worker', async () => {
    const url = await freshDatabase();
    const [a, b] = [await hostBackend(url, 'a'), await hostBackend(url, 'b')];
    const task = await a.add({ subissue: '42', parent: '4', priority: 1 });
    await a.claim(1);
    // Renew as a heartbeat would, until the database's clock has passed three lease periods.
    const client = databaseClient(url);
    await client.connect();
    const since = (await client.query<{ at: Date }>('SELECT now() AS at')).rows[0]!.at.getTime();
    await waitFor(
      async () => {
        await a.capabilities.leases!.renewLeases(1);
        expect(await b.claim(2)).toBeUndefined();
        const now = (await client.query<{ at: Date }>('SELECT clock_timestamp() AS at')).rows[0]!.at.getTime();
        return now - since > 3 * LEASE_MS;
      },
      { what: 'three lease periods', timeoutMs: 60_000 },
    );
    await client.end();
    await a.finish(task.id, { status: 'done' });
    expect(await b.get(task.id)).toMatchObject({ status: 'done', workerId: 1 });
  }, 120_000);

  it('a host killed mid-task (every process of it): the task finishes on another host, once, after the lease', async () => {
    const url = await freshDatabase();
    const task = await (await hostBackend(url, 'b')).add({ subissue: '43', parent: '4', priority: 1 });
    const root = makeTempDir('hw-host-a-');
    const worker = startQueueChild(await queueClaimerScript(), {
      root,
      workerId: 1,
      mode: 'start-and-hang',
      argv: gatedAgent(join(root, 'never'), 0),
      backend: 'postgres',
      group: 'unused',
      databaseUrl: url,
      settings: { WORKER_HOST: 'a', LEASE_TIMEOUT: LEASE_MS },
    });
    let output = '';
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes(`started ${task.id}`), { what: 'host a started the run', timeoutMs: 60_000 });
    const b = await hostBackend(url, 'b');
    const run = (await b.observeRun(task.id)) as { state: string };
    expect(run.state).toBe('running');
    // SIGKILL to the worker and to the run's process group: nothing of host a is left.
    const client = databaseClient(url);
    await client.connect();
    const { pgid } = (await client.query<{ pgid: number }>("SELECT (run->>'pgid')::int AS pgid FROM hw_tasks WHERE id = $1", [task.id]))
      .rows[0]!;
    await client.end();
    worker.kill('SIGKILL');
    process.kill(-pgid, 'SIGKILL');
    await worker;
    const moved = await waitFor(async () => b.claim(5), { what: 'host b claims it after the lease', timeoutMs: 60_000 });
    expect(moved).toMatchObject({ id: task.id, workerId: 5, attempts: 1 });
    await b.startRun(task.id, { argv: [process.execPath, '-e', 'process.exit(0)'], cwd: root, env: {} });
    await waitFor(async () => (await b.observeRun(task.id)).state === 'exited', { what: 'b run exits', timeoutMs: 30_000 });
    await b.finish(task.id, { status: 'done' });
    expect(await b.list()).toMatchObject([{ id: task.id, status: 'done', attempts: 2, workerId: 5 }]);
  }, 180_000);

  it("a manager leaves another host's claims alone (no pid file of that worker is here) and returns its own host's", async () => {
    const url = await freshDatabase();
    const [a, b] = [await hostBackend(url, 'a'), await hostBackend(url, 'b')];
    const onB = await b.add({ subissue: '44', parent: '4', priority: 1 });
    const onA = await a.add({ subissue: '45', parent: '4', priority: 2 });
    expect(await b.claim(5)).toMatchObject({ id: onB.id, host: 'b' });
    expect(await a.claim(5)).toMatchObject({ id: onA.id, host: 'a' });
    const paths = dataPaths(makeTempDir('hw-manager-a-'));
    const log = createEventLog(paths.managerLog, paths.alertsLog);
    expect(await returnOrphanedClaims(a, { paths, lockStaleMs: 5000, comingBack: new Set(), log })).toEqual([onA.id]);
    expect(await a.get(onB.id)).toMatchObject({ status: 'claimed', workerId: 5, host: 'b' });
  }, 60_000);

  // Every idle worker listens on hw_queue and claims when woken; a claim that finds nothing must
  // not wake them again, or an idle pool claims in a loop (about 1,000 wake-ups/s with 8 workers).
  it('a new task and a claim notify the listeners; a claim that finds nothing and a lease renewal do not', async () => {
    const url = await freshDatabase();
    const backend = await hostBackend(url, 'a');
    const listener = databaseClient(url);
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query('LISTEN hw_queue');
    try {
      expect(await backend.claim(1)).toBeUndefined();
      const task = await backend.add({ subissue: '51', parent: '5', priority: 1 });
      expect(await backend.claim(1)).toMatchObject({ id: task.id });
      await backend.capabilities.leases!.renewLeases(1);
      await backend.capabilities.leases!.renewLeases(1);
      // The held task handed back again (a restarted worker re-attaching) changes nothing either.
      expect(await backend.claim(1)).toMatchObject({ id: task.id });
      // Notifications arrive in commit order: once this one is in, every earlier one is.
      await listener.query("NOTIFY hw_queue, 'end'");
      await waitFor(() => payloads.includes('end'), { what: 'the closing notification', timeoutMs: 30_000 });
      expect(payloads).toEqual(['', '', 'end']);
    } finally {
      await listener.end();
    }
  }, 120_000);
});
