import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { queueClaimerScript, startQueueChild } from '../helpers/queue-child.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { startStoppedHolder } from '../helpers/stop-inside-lock.js';
import { makeTempDir } from '../helpers/temp.js';

// The smallest LOCK_STALE_TIMEOUT the old, age-based lock accepted: a holder stopped for twice
// this had its lock taken and wrote what it read before over the newer file.
const STALE_MS = 2000;
const ENV = { WORKER_BACKEND: 'embedded', LOCK_STALE_TIMEOUT: `${STALE_MS}ms` };
const holdStopped = () => new Promise((resolve) => setTimeout(resolve, 2 * STALE_MS));

const subissuesIn = (home: string) =>
  (JSON.parse(readFileSync(join(home, 'queue', 'embedded-queue.json'), 'utf8')) as { tasks: { id: string; subissue: string }[] }).tasks;

/** Who claimed: the stopped holder's result, and the ids the other claimer printed. */
const claimsOf = (holderResult: unknown, otherOutput: string) => [
  ...((holderResult as { subissue?: string } | null)?.subissue ? ['worker 1'] : []),
  ...otherOutput
    .split('\n')
    .filter(Boolean)
    .map((id) => `worker 2 (task ${id})`),
];

describe('a lock holder stopped (SIGSTOP) for twice LOCK_STALE_TIMEOUT keeps its lock', () => {
  it('worker-queue add (embedded): both tasks are queued, under two ids', async () => {
    const home = makeTempDir();
    const holder = await startStoppedHolder({
      root: home,
      mode: 'add',
      stopIn: 'embedded-queue.json',
      lockStaleMs: STALE_MS,
      subissue: '900011',
    });
    const second = runBin('worker-queue', ['add', '1', '7', '900012'], { home, env: ENV });
    await holdStopped();
    holder.resume();
    const [first, added] = await Promise.all([holder.result, second]);
    expect(added.exitCode, added.stderr).toBe(0);
    const tasks = subissuesIn(home);
    expect(tasks.map((task) => task.subissue).sort()).toEqual(['900011', '900012']);
    expect(new Set(tasks.map((task) => task.id)).size).toBe(2);
    expect(added.stdout).not.toContain(`(id:${(first as { id: string }).id})`);
  });

  it('a claim (embedded): two workers never both get sub-issue 555', async () => {
    const home = makeTempDir();
    expect((await runBin('worker-queue', ['add', '1', '7', '555'], { home, env: ENV })).exitCode).toBe(0);
    const holder = await startStoppedHolder({
      root: home,
      mode: 'claim',
      stopIn: 'embedded-queue.json',
      lockStaleMs: STALE_MS,
      workerId: 1,
    });
    const other = startQueueChild(await queueClaimerScript(), {
      root: home,
      backend: 'embedded',
      group: 'subissues',
      workerId: 2,
      mode: 'claim-all',
      lockStaleMs: STALE_MS,
    });
    await holdStopped();
    holder.resume();
    const [claimed, worker2] = await Promise.all([holder.result, other]);
    const claims = claimsOf(claimed, String(worker2.stdout));
    expect(claims).toHaveLength(1);
  });

  it('worker-health-monitor complete on metrics.json: two completions count two', async () => {
    const home = makeTempDir();
    const holder = await startStoppedHolder({ root: home, mode: 'complete', stopIn: 'metrics.json', lockStaleMs: STALE_MS, workerId: 1 });
    const second = runBin('worker-health-monitor', ['complete', '2', 'true'], { home, env: ENV });
    await holdStopped();
    holder.resume();
    const [, completed] = await Promise.all([holder.result, second]);
    expect(completed.exitCode, completed.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(home, 'health', 'metrics.json'), 'utf8')) as { stats: { total_tasks: number } };
    expect(metrics.stats.total_tasks).toBe(2);
  });
});

describeWith(['pueue'], 'a lock holder stopped inside the Pueue records lock (a private pueued)', () => {
  let daemon: IsolatedPueue;
  beforeAll(async () => {
    daemon = isolatedPueue();
    await daemon.start();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('a claim: two workers never both get sub-issue 555', async () => {
    const home = makeTempDir();
    const env = { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: daemon.configPath, LOCK_STALE_TIMEOUT: `${STALE_MS}ms` };
    expect((await runBin('worker-queue', ['add', '1', '7', '555'], { home, env })).exitCode).toBe(0);
    const common = { root: home, backend: 'pueue' as const, group: 'subissues', pueueConfigPath: daemon.configPath };
    const holder = await startStoppedHolder({ ...common, mode: 'claim', stopIn: 'pueue-records.json', lockStaleMs: STALE_MS, workerId: 1 });
    const other = startQueueChild(await queueClaimerScript(), { ...common, workerId: 2, mode: 'claim-all', lockStaleMs: STALE_MS });
    await holdStopped();
    holder.resume();
    const [claimed, worker2] = await Promise.all([holder.result, other]);
    const claims = claimsOf(claimed, String(worker2.stdout));
    expect(claims, String(worker2.stderr)).toHaveLength(1);
  });
});
