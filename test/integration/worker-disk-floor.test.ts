import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
const mounts: string[] = [];
afterEach(async () => {
  await stopWorkers(running);
  for (const dir of mounts.splice(0)) execFileSync('umount', [dir]);
});

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describeWith(['git', 'tmux'], 'the free-space floor (MIN_FREE_DISK) on a small tmpfs', () => {
  it('below the floor the worker stops claiming, stays healthy, status says paused: disk, an ALERT says so; claiming resumes when space is back', async () => {
    const bench = await makeWorkerBench('embedded', { MIN_FREE_DISK: '4M' });
    // The worktrees' disk: an 8 MiB tmpfs, filled to below the floor.
    const worktrees = join(bench.repo, '.worktrees');
    mkdirSync(worktrees);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', worktrees]);
    mounts.push(worktrees);
    const filler = join(worktrees, 'filler.bin');
    writeFileSync(filler, Buffer.alloc(6 * 1024 * 1024, 1));

    const task = await bench.backend.add({ subissue: '91', parent: '9', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);
    await waitFor(
      () =>
        worker.output.some((line) =>
          /^paused: disk \(.* free on the disk of .*\.worktrees, below MIN_FREE_DISK 4M\): not claiming$/.test(line),
        ),
      { timeoutMs: 30_000, what: 'the worker to pause for disk' },
    );
    await waitFor(
      () =>
        /Worker 1: .* below MIN_FREE_DISK 4M; every worker stopped claiming new tasks until space is back/.test(
          read(bench.paths.alertsLog),
        ),
      { timeoutMs: 10_000, what: 'the disk ALERT' },
    );
    expect((await bench.backend.get(task.id))?.status).toBe('queued');
    await waitFor(async () => (await bench.health.read()).workers['1']?.status === 'idle', {
      timeoutMs: 10_000,
      what: 'the worker to report idle',
    });

    const status = await runBin('worker-manager', ['status'], {
      home: bench.home,
      env: { ...bench.env, WORKERS_TMUX_SOCKET: `hw-disk-${process.pid}` },
    });
    expect(status.stdout, status.stderr).toMatch(/Dispatch paused: disk \(.* below MIN_FREE_DISK 4M\)/);
    expect((await bench.backend.get(task.id))?.status).toBe('queued');

    rmSync(filler);
    await waitFor(async () => (await bench.backend.get(task.id))?.status === 'done', {
      timeoutMs: 60_000,
      what: 'the task to be done once space is back',
    });
    expect(read(bench.paths.alertsLog)).toMatch(
      /Worker 1: disk space is back \(MIN_FREE_DISK 4M, WORKTREES_MAX_BYTES 0B\); workers claim again\./,
    );
    expect(read(bench.paths.alertsLog).match(/MIN_FREE_DISK/g)).toHaveLength(2);
  }, 120_000);

  it('over WORKTREES_MAX_BYTES the worker stops claiming the same way, and claims again once the worktrees are back under it', async () => {
    const bench = await makeWorkerBench('embedded', { MIN_FREE_DISK: '0', WORKTREES_MAX_BYTES: '1M' });
    const worktrees = join(bench.repo, '.worktrees');
    mkdirSync(worktrees);
    const leftover = join(worktrees, 'subissue-1', 'big.bin');
    mkdirSync(join(worktrees, 'subissue-1'));
    writeFileSync(leftover, Buffer.alloc(2 * 1024 * 1024, 1));
    const task = await bench.backend.add({ subissue: '92', parent: '9', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);
    await waitFor(
      () => worker.output.some((line) => /^paused: disk \(.*\.worktrees holds 2M, over WORKTREES_MAX_BYTES 1M\): not claiming$/.test(line)),
      { timeoutMs: 30_000, what: 'the worker to pause for the budget' },
    );
    expect(read(bench.paths.alertsLog)).toMatch(/Worker 1: .*over WORKTREES_MAX_BYTES 1M; every worker stopped claiming new tasks/);
    expect((await bench.backend.get(task.id))?.status).toBe('queued');
    rmSync(join(worktrees, 'subissue-1'), { recursive: true });
    await waitFor(async () => (await bench.backend.get(task.id))?.status === 'done', {
      timeoutMs: 60_000,
      what: 'the task to be done once under the budget',
    });
    expect(read(bench.paths.alertsLog)).toMatch(/Worker 1: disk space is back .*; workers claim again\./);
  }, 120_000);
});
