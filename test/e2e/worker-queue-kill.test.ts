import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone, makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describeEachBackend(['git'], 'worker-queue kill on the %s backend', (backendName) => {
  it('kills the whole process group of a running task, which ends cancelled: no ALERT, not retried, not counted against the worker, its worktree kept; retry queues it again', async () => {
    const bench = await makeWorkerBench(backendName);
    // 51 commits, then runs on with a child that ignores SIGTERM; 52 is the next task.
    bench.setScenario({ default: 'commit', tasks: { '51': 'commit-stubborn' } });
    const killed = await bench.backend.add({ subissue: '51', parent: '5', priority: 1 });
    const next = await bench.backend.add({ subissue: '52', parent: '5', priority: 2 });
    const worker = bench.startWorker(1);
    running.push(worker);
    const pidsFile = join(bench.agentDir, 'pids.log');
    await waitFor(() => lines(pidsFile).length === 2, { timeoutMs: 60_000, what: 'the agent of task 51 and its child to run' });

    const kill = await runBin('worker-queue', ['kill', '51'], { home: bench.home, env: bench.env });
    expect(kill.exitCode, kill.stderr).toBe(0);
    expect(kill.stdout).toBe(
      `Killed the run of #51 (repository unknown, id:${killed.id}); worker 1 records it as cancelled (killed by the user) and goes on with the next task.`,
    );
    expect(
      lines(pidsFile)
        .map(Number)
        .filter((pid) => !isGone(pid)),
    ).toEqual([]);

    await waitFor(async () => (await bench.backend.get(next.id))?.status === 'done', {
      timeoutMs: 60_000,
      what: 'the next task to be done',
    });
    await waitFor(async () => (await bench.backend.get(killed.id))?.status === 'cancelled', {
      timeoutMs: 30_000,
      what: 'the killed task to be cancelled',
    });
    expect((await bench.backend.get(killed.id))?.lastError).toMatch(/killed by the user/);
    expect(bench.starts().filter((start) => start.task === '51')).toHaveLength(1);
    const record = lines(bench.paths.historyFile)
      .map((line) => JSON.parse(line) as { task_id: string })
      .find((entry) => entry.task_id === '51');
    expect(record).toMatchObject({
      result: 'cancelled',
      attempts: 1,
      error_class: null,
      error: expect.stringMatching(/killed by the user/),
    });
    expect(lines(bench.paths.alertsLog).filter((line) => line.includes('task 51'))).toEqual([]);
    const listed = await runBin('worker-queue', ['list'], { home: bench.home, env: bench.env });
    expect(listed.stdout).toMatch(/ 51 .* cancelled/);
    expect(listed.stdout).toMatch(/1 done, 0 failed, 0 review, 1 cancelled$/);
    const report = await runBin('worker-performance', ['report', '--json'], { home: bench.home, env: bench.env });
    const worker1 = (JSON.parse(report.stdout) as { workers: { id: number; tasks: number; failed: number }[] }).workers.find(
      (row) => row.id === 1,
    );
    expect(worker1).toMatchObject({ tasks: 1, failed: 0 });
    expect(existsSync(join(bench.repo, '.worktrees', 'subissue-51', 'task-51.txt'))).toBe(true);
    expect(worker.output.join('\n')).toMatch(/task 51 was cancelled; its worktree is kept at .*: its commits are not pushed/);

    await stopWorkers(running);
    const retried = await runBin('worker-queue', ['retry', '#51'], { home: bench.home, env: bench.env });
    expect(retried.exitCode, retried.stderr).toBe(0);
    expect((await bench.backend.get(killed.id))?.status).toBe('queued');

    const refused = await runBin('worker-queue', ['kill', '52'], { home: bench.home, env: bench.env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `worker-queue: #52 (repository unknown, id:${next.id}) is done with no run in progress; only a running task can be killed (worker-queue remove deletes one that is not running).`,
    );
  });
});
