import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const ADDERS = 8;

/**
 * `worker-queue add` of one sub-issue from ADDERS processes at once, each its own process as a
 * user's shells or hosts would be: exactly one is queued, the others are refused as duplicates.
 */
async function addConcurrently(home: string, env: Record<string, string>): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: ADDERS }, () => runBin('worker-queue', ['add', '2', '10', '501'], { home, env, timeout: 120_000 })),
  );
  const accepted = results.filter((result) => result.exitCode === 0);
  expect(accepted, results.map((result) => result.stderr).join('\n')).toHaveLength(1);
  for (const refused of results.filter((result) => result.exitCode !== 0)) {
    expect(refused.stderr).toMatch(/#501 \(id:\d+\) is already queued; use --force to add it again\./);
  }
  const listed = await runBin('worker-queue', ['list', '--json'], { home, env });
  const tasks = (JSON.parse(listed.stdout) as { tasks: { subissue: string; status: string }[] }).tasks;
  expect(tasks.filter((task) => task.subissue === '501' && (task.status === 'queued' || task.status === 'claimed'))).toHaveLength(1);
}

describe('one active task per sub-issue under concurrent adds', () => {
  it('embedded: 8 processes adding one sub-issue make one task', async () => {
    await addConcurrently(makeTempDir(), { WORKER_BACKEND: 'embedded' });
  }, 180_000);

  describeWith(['pueue'], 'pueue (isolated daemon)', () => {
    let daemon: IsolatedPueue;
    beforeAll(async () => {
      daemon = isolatedPueue();
      await daemon.start();
    });
    afterAll(async () => {
      await daemon.stop();
    });

    it('pueue: 8 processes adding one sub-issue make one task', async () => {
      await addConcurrently(makeTempDir(), { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: daemon.configPath });
    }, 180_000);
  });

  describeWith(['postgres'], 'postgres (private cluster)', () => {
    const cluster = usePrivateCluster();
    it('postgres: 8 processes on two data roots adding one sub-issue make one task', async () => {
      const url = await cluster().createDatabase();
      const env = { WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url };
      expect((await runBin('worker-queue', ['migrate'], { home: makeTempDir(), env })).exitCode).toBe(0);
      await addConcurrently(makeTempDir(), env);
    }, 180_000);
  });
});
