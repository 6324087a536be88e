import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { taskHistoryRecordSchema } from '../../src/history/task-history.js';
import { describeEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone, makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describeEachBackend(['git'], 'the stall ladder, for a command agent that stops producing output (%s backend)', (backendName) => {
  it('does not stop an agent that prints nothing but keeps writing files in its worktree', async () => {
    const bench = await makeWorkerBench(backendName, { PROGRESS_STALL_THRESHOLD: '2' });
    bench.setScenario({ default: 'quiet-writer:7000' });
    await bench.backend.add({ subissue: '82', parent: '8', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);
    await waitFor(async () => (await bench.backend.list())[0]?.status === 'done', { timeoutMs: 60_000, what: 'task 82 done' });
    expect(read(bench.paths.alertsLog)).not.toMatch(/no progress/);
    expect(bench.starts()).toHaveLength(1);
  });

  it('ALERTs at the threshold, stops and retries the attempt at twice it, and fails the task after STALL_MAX_RETRIES stalled attempts with the reason', async () => {
    const bench = await makeWorkerBench(backendName, { PROGRESS_STALL_THRESHOLD: '2', STALL_MAX_RETRIES: '2', MAX_RETRIES: '5' });
    bench.setScenario({ default: 'hang' });
    const task = await bench.backend.add({ subissue: '81', parent: '8', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);

    await waitFor(() => /no progress for [\d.]+s \(PROGRESS_STALL_THRESHOLD 2s\)/.test(read(bench.paths.alertsLog)), {
      timeoutMs: 60_000,
      what: 'the stall ALERT',
    });
    const stalled = await waitFor(
      async () => {
        const me = (await bench.health.read()).workers['1'];
        return me?.status === 'stalled' ? me : undefined;
      },
      { timeoutMs: 30_000, what: 'the worker to show stalled' },
    );
    expect(stalled.last_progress_at).not.toBeNull();

    const done = await waitFor(
      async () => {
        const current = await bench.backend.get(task.id);
        return current?.status === 'failed' ? current : undefined;
      },
      { timeoutMs: 120_000, what: 'the task to fail' },
    );
    expect(done.attempts).toBe(2);
    const starts = bench.starts();
    expect(starts).toHaveLength(2);
    for (const start of starts) expect(isGone(start.pid)).toBe(true);

    const errors = read(join(bench.paths.errorsDir, 'worker-1.log'));
    expect(errors).toMatch(
      /task 81 attempt 1: stalled: no progress for [\d.]+s \(2 x PROGRESS_STALL_THRESHOLD 2s\): the attempt was stopped/,
    );
    expect(errors).toMatch(/task 81 attempt 2: stalled: /);
    await waitFor(() => /failed for good/.test(read(bench.paths.alertsLog)), { timeoutMs: 10_000, what: 'the ALERT of the failed task' });
    expect(read(bench.paths.alertsLog)).toMatch(
      /Worker 1: task 81 \(parent 8\) failed for good after 2 attempt\(s\): stalled: .*no progress for .*2 stalled attempt\(s\) reached STALL_MAX_RETRIES/,
    );
    expect(read(bench.paths.alertsLog).match(/has shown no progress/g)).toHaveLength(2);
    const records = read(bench.paths.historyFile)
      .split('\n')
      .filter(Boolean)
      .map((line) => taskHistoryRecordSchema.parse(JSON.parse(line)));
    expect(records).toMatchObject([{ task_id: '81', result: 'failed', error_class: 'stalled', attempts: 2 }]);
  }, 240_000);
});
