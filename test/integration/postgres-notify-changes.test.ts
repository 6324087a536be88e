import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { migrateDatabase } from '../../src/queue/postgres-open.js';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgresCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

describe.skipIf(!postgresAvailable)('postgres queue notifications', () => {
  // Every idle worker listens on hw_queue and claims when woken; a claim that finds nothing must
  // not wake them again, or an idle pool claims in a loop (about 1,000 wake-ups/s with 8 workers).
  it('a new task and a claim notify the listeners; a claim that finds nothing and a lease renewal do not', async () => {
    const url = await cluster.createDatabase();
    const env = { ...process.env, WORKERS_DATABASE_URL: url };
    await migrateDatabase(env);
    const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres' as const, WORKER_HOST: 'a' };
    const { backend } = await openQueueBackend({ paths: dataPaths(makeTempDir('hw-notify-')), settings, env });
    const listener = new pg.Client({
      host: cluster.socketDir,
      port: cluster.port,
      user: 'hw',
      database: /localhost\/(\w+)\?/.exec(url)![1]!,
    });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query('LISTEN hw_queue');
    try {
      expect(await backend.claim(1)).toBeUndefined();
      const task = await backend.add({ subissue: '51', parent: '5', priority: 1 });
      expect(await backend.claim(1)).toMatchObject({ id: task.id });
      await backend.renewLeases!(1);
      await backend.renewLeases!(1);
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
