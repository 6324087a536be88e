import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readHistory } from '../../src/history/history-reader.js';
import { describeEachBackend } from '../helpers/requires.js';
import { fillDisk, mountSmallDisk } from '../helpers/small-disk.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

describeEachBackend(['git'], 'a worker whose data root fills up during a run (%s backend, a real tmpfs)', (backendName) => {
  it('runs the agent once, and the task succeeds once with its history record whole once space is back', async () => {
    const disk = mountSmallDisk('2m');
    // MAX_RETRIES=1: a second run of the agent would end the task failed. MIN_FREE_DISK=0: the
    // free-space floor would keep the worker from claiming on so small a disk (its own test).
    const bench = await makeWorkerBench(backendName, { MAX_RETRIES: '1', RETRY_DELAY: '200ms', MIN_FREE_DISK: '0' }, { dataRoot: disk });
    bench.setScenario({ default: 'gate' });
    await bench.backend.add({ subissue: '900', parent: '9', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent started', timeoutMs: 60_000 });

    const filler = fillDisk(disk);
    writeFileSync(join(bench.agentDir, 'go-900'), '');
    await waitFor(() => bench.commits().length === 1, { what: 'the agent committed', timeoutMs: 60_000 });
    await waitFor(() => worker.output.some((line) => /disk is full|ENOSPC/.test(line)), {
      what: 'the worker hit the full disk',
      timeoutMs: 60_000,
    });
    rmSync(filler);

    const task = await waitFor(
      async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
      {
        what: 'the task finished',
        timeoutMs: 120_000,
        intervalMs: 100,
      },
    );
    expect(task.status).toBe('done');
    expect(bench.starts()).toHaveLength(1);
    const records: { task_id: string; result: string }[] = [];
    await readHistory(bench.paths.historyFile, { add: (record) => records.push(record), skip: () => undefined });
    expect(records.map(({ task_id, result }) => ({ task_id, result }))).toEqual([{ task_id: '900', result: 'success' }]);
    expect(readdirSync(join(disk, 'queue', 'runs')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 300_000);
});
