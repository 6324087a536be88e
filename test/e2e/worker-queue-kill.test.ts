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
  it('kills the whole process group of a running task, which ends failed, not retried, its worktree kept; the worker goes on', async () => {
    const bench = await makeWorkerBench(backendName);
    // 51 commits, then runs on with a child that ignores SIGTERM; 52 is the next task.
    bench.setScenario({ default: 'commit', tasks: { '51': 'commit-stubborn' } });
    const killed = await bench.backend.add({ subissue: '51', parent: '5', priority: 1 });
    const next = await bench.backend.add({ subissue: '52', parent: '5', priority: 2 });
    const worker = bench.startWorker(1);
    running.push(worker);
    const pidsFile = join(bench.agentDir, 'pids.log');
    await waitFor(() => lines(pidsFile).length === 2, { timeoutMs: 60_000, what: 'the agent of task 51 and its child to run' });

    const kill = await runBin('worker-queue', ['kill', killed.id], { home: bench.home, env: bench.env });
    expect(kill.exitCode, kill.stderr).toBe(0);
    expect(kill.stdout).toBe(
      `Killed the run of task ${killed.id} (sub-issue 51); worker 1 records it as failed (killed by the user) and goes on with the next task.`,
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
    await waitFor(async () => (await bench.backend.get(killed.id))?.status === 'failed', {
      timeoutMs: 30_000,
      what: 'the killed task to be failed',
    });
    expect((await bench.backend.get(killed.id))?.lastError).toMatch(/killed by the user/);
    expect(bench.starts().filter((start) => start.task === '51')).toHaveLength(1);
    const record = lines(bench.paths.historyFile)
      .map((line) => JSON.parse(line) as { task_id: string })
      .find((entry) => entry.task_id === '51');
    expect(record).toMatchObject({ result: 'failed', attempts: 1, error: expect.stringMatching(/killed by the user/) });
    expect(existsSync(join(bench.repo, '.worktrees', 'subissue-51', 'task-51.txt'))).toBe(true);
    expect(worker.output.join('\n')).toMatch(/task 51 failed with unpushed commits; its worktree is kept/);

    const refused = await runBin('worker-queue', ['kill', next.id], { home: bench.home, env: bench.env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      `worker-queue: Task ${next.id} is done with no run in progress; only a running task can be killed (worker-queue remove deletes one that is not running).`,
    );
  });
});
