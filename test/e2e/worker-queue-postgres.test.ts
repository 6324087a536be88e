import { expect, it } from 'vitest';
import { CLUSTER_PASSWORD } from '../helpers/postgres-cluster.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const cluster = usePrivateCluster();

const queue = (home: string, args: string[], url: string) =>
  runBin('worker-queue', args, { home, env: { WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url } });

describeWith(['postgres'], 'worker-queue on the postgres backend', () => {
  it('migrate creates the schema, then add and list work from two data roots (two hosts) on one queue', async () => {
    const url = await cluster().createDatabase();
    const [hostA, hostB] = [makeTempDir('hw-a-'), makeTempDir('hw-b-')];
    const before = await queue(hostA, ['list'], url);
    expect(before.exitCode).toBe(2);
    expect(String(before.stderr)).toMatch(
      /^worker-queue: The database at hw@.+ has schema version 0, older than this toolkit's \d+; run worker-queue migrate \(or setup-hybrid-enhanced\)\.$/,
    );
    const migrated = await queue(hostA, ['migrate'], url);
    expect(migrated.exitCode, String(migrated.stderr)).toBe(0);
    expect(String(migrated.stdout)).toMatch(/^Migrated the database at hw@.+ from schema version 0 to \d+\.$/);
    expect(String((await queue(hostB, ['migrate'], url)).stdout)).toMatch(/has the current schema \(version \d+\)\.$/);
    expect((await queue(hostA, ['add', '2', '10', '121'], url)).exitCode).toBe(0);
    const listed = await queue(hostB, ['list', '--json'], url);
    expect(JSON.parse(String(listed.stdout))).toMatchObject({
      backend: 'postgres',
      tasks: [{ subissue: '121', parent: '10', priority: 2, status: 'queued' }],
    });
  });

  it('a bad URL and a refused login are one sentence each, without the password, and change nothing', async () => {
    const home = makeTempDir();
    const bad = await queue(home, ['list'], 'http://example.invalid/db');
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(
      /^worker-queue: WORKERS_DATABASE_URL is neither a postgres:\/\/ or postgresql:\/\/ URL nor an absolute socket directory; set it to one of those\.$/,
    );
    const url = await cluster().createDatabase();
    const name = /localhost\/(\w+)\?/.exec(url)![1]!;
    const refused = await queue(home, ['add', '1', '2', '3'], cluster().tcpUrl(name, `${CLUSTER_PASSWORD}-wrong`));
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toMatch(
      /^worker-queue: The database at hw@127\.0\.0\.1:\d+\/\w+ refused the login; check the user and password of WORKERS_DATABASE_URL \(or ~\/\.pgpass\)\.$/,
    );
    expect(String(refused.stderr)).not.toContain('wrong');
  });
});
