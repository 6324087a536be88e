import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import pg from 'pg';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SCHEMA_VERSION } from '../../src/adapters/postgres/migrations.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { migrateDatabase } from '../../src/adapters/postgres/shared-database.js';
import { CLUSTER_PASSWORD } from '../helpers/postgres-cluster.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const cluster = usePrivateCluster();

const open = (url: string) =>
  openQueueBackend({
    paths: dataPaths(makeTempDir('hw-pgq-')),
    settings: { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres' },
    env: { ...process.env, WORKERS_DATABASE_URL: url },
  });
const databaseName = (url: string) => /localhost\/(\w+)\?/.exec(url)![1]!;

describeWith(['postgres'], 'postgres database: schema and connection', () => {
  it('migrates once, then again with nothing to do; two migrations at once are safe', async () => {
    const url = await cluster().createDatabase();
    await expect(open(url)).rejects.toThrow(/has schema version 0, older than this toolkit's \d+; run worker-queue migrate/);
    const env = { ...process.env, WORKERS_DATABASE_URL: url };
    const results = await Promise.all([migrateDatabase(env), migrateDatabase(env)]);
    expect(results.map((result) => result.from).sort()).toEqual([0, SCHEMA_VERSION]);
    expect(await migrateDatabase(env)).toMatchObject({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    const { backend, notice } = await open(url);
    expect(notice).toMatch(/^Queue backend: postgres, hw@.+\/t\d+_\d+ as host \S+ \(WORKER_BACKEND=postgres\)\.$/);
    expect(await backend.list()).toEqual([]);
  });

  it('refuses a schema newer than the code in one sentence', async () => {
    const url = await cluster().createDatabase();
    const env = { ...process.env, WORKERS_DATABASE_URL: url };
    await migrateDatabase(env);
    const client = new pg.Client({ host: cluster().socketDir, port: cluster().port, user: 'hw', database: databaseName(url) });
    await client.connect();
    await client.query('UPDATE hw_schema SET version = version + 5');
    await client.end();
    await expect(migrateDatabase(env)).rejects.toThrow(
      /^The database at .+ has schema version \d+, newer than this toolkit's \d+; upgrade hybrid-workers on this host\.$/,
    );
    await expect(open(url)).rejects.toThrow(/newer than this toolkit's/);
  });

  it('says in one sentence that a URL is bad, a login is refused or the server is unreachable, never showing the password', async () => {
    const url = await cluster().createDatabase();
    const name = databaseName(url);
    await expect(open('mysql://x@y/z')).rejects.toThrow(
      /^WORKERS_DATABASE_URL is neither a postgres:\/\/ or postgresql:\/\/ URL nor an absolute socket directory/,
    );
    await expect(open('')).rejects.toMatchObject({ kind: 'config' });
    const wrong = cluster().tcpUrl(name, 'not-the-password');
    const refused = await open(wrong).catch((error: Error) => error);
    expect(String((refused as Error).message)).toMatch(
      /^The database at hw@127\.0\.0\.1:\d+\/\w+ refused the login; check the user and password/,
    );
    expect(String((refused as Error).message)).not.toContain('not-the-password');
    // The right password over TCP works (and reaches the schema check).
    await expect(open(cluster().tcpUrl(name, CLUSTER_PASSWORD))).rejects.toThrow(/schema version 0/);
  });

  it('survives a restart of PostgreSQL (pg_ctl restart -m fast): the open backend reconnects and nothing is lost', async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const { backend } = await open(url);
    const first = await backend.add({ subissue: '51', parent: '5', priority: 1 });
    await cluster().restart();
    expect(await backend.get(first.id)).toMatchObject({ subissue: '51' });
    // A statement sent while the server is down waits for it (reconnect with backoff).
    await cluster().stopServer();
    const adding = backend.add({ subissue: '52', parent: '5', priority: 1 });
    await cluster().startServer();
    const second = await adding;
    expect((await backend.list()).map((task) => task.id)).toEqual([first.id, second.id]);
    expect(await backend.claim(1)).toMatchObject({ id: first.id });
  }, 120_000);

  it('an agent run never gets the database URL or password in its environment', async () => {
    const url = await cluster().createDatabase();
    await migrateDatabase({ ...process.env, WORKERS_DATABASE_URL: url });
    const root = makeTempDir('hw-pgrun-');
    const { backend } = await openQueueBackend({
      paths: dataPaths(root),
      settings: { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres' },
      env: { ...process.env, WORKERS_DATABASE_URL: url, PGPASSWORD: 'pw-for-the-db' },
    });
    const task = await backend.add({ subissue: '53', parent: '5', priority: 1 });
    await backend.claim(1);
    const out = join(root, 'env.json');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(process.env)))`;
    await backend.startRun(task.id, { argv: [process.execPath, '-e', script], cwd: root, env: {} });
    await waitFor(async () => (await backend.observeRun(task.id)).state === 'exited', { what: 'run exit', timeoutMs: 30_000 });
    const names = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(names).toContain('PATH');
    expect(names).not.toContain('WORKERS_DATABASE_URL');
    expect(names).not.toContain('PGPASSWORD');
  });
});
