import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { taskHistoryRecordSchema } from '../../src/history/task-history.js';
import { describeEachBackend, describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone, makeWorkerBench, type RunningWorker, type WorkerBench, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

const start = (bench: WorkerBench, id: number) => {
  const worker = bench.startWorker(id);
  running.push(worker);
  return worker;
};

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const finished = (bench: WorkerBench, id: string) =>
  waitFor(
    async () => {
      const task = await bench.backend.get(id);
      return task && ['done', 'failed', 'review'].includes(task.status) ? task : undefined;
    },
    { timeoutMs: 60_000, what: `task ${id} to finish` },
  );

describeEachBackend(['git'], 'what a worker running alone records, on the %s backend', (backendName) => {
  it('a task that fails for good: an ALERT in alerts.log, and errors-log lines that name the output file and carry what the agent printed', async () => {
    const bench = await makeWorkerBench(backendName, { MAX_RETRIES: '2' });
    bench.setScenario({ default: 'fail:9' });
    const task = await bench.backend.add({ subissue: '7', parent: '1', priority: 1 });
    start(bench, 1);
    expect((await finished(bench, task.id)).status).toBe('failed');

    const errors = read(join(bench.paths.errorsDir, 'worker-1.log'));
    expect(errors).toMatch(
      /task 7 attempt 1: agent_error: the agent exited with code 1 \(output: \S+task-\d+-(?:embedded|pueue)-\d{8}T\d+Z-attempt-1\.log; last lines: fake agent: planned failure for 7\)/,
    );
    const outputFile = /\(output: (\S+);/.exec(errors)![1]!;
    expect(read(outputFile)).toContain('fake agent: planned failure for 7');
    await waitFor(() => /failed for good/.test(read(bench.paths.alertsLog)), { what: 'the ALERT of the failed task', timeoutMs: 10_000 });
    expect(read(bench.paths.alertsLog)).toMatch(/Worker 1: task 7 \(parent 1\) failed for good after 2 attempt\(s\): agent_error: /);
    expect(read(bench.paths.alertsLog).match(/failed for good/g)).toHaveLength(1);
  });
});

describeWith(['pueue', 'git'], 'a Pueue daemon restarted under a run', () => {
  it('is a backend_error in the errors log, not an agent error; the task runs again and succeeds once', async () => {
    const bench = await makeWorkerBench('pueue');
    bench.setScenario({ tasks: { '31': 'sleep:4000' } });
    const task = await bench.backend.add({ subissue: '31', parent: '3', priority: 1 });
    start(bench, 1);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start', timeoutMs: 30_000 });
    const agentPid = bench.starts()[0]!.pid;
    const pidFile = join(dirname(bench.env.PUEUE_CONFIG_PATH!), 'pueue.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    await waitFor(() => isGone(agentPid), { what: 'the first run to be stopped', timeoutMs: 30_000 });
    expect((await finished(bench, task.id)).status).toBe('done');

    const errors = read(join(bench.paths.errorsDir, 'worker-1.log'));
    expect(errors).toMatch(/task 31 attempt 1: backend_error: the run was lost without a result: the Pueue daemon was restarted under it/);
    expect(errors).not.toMatch(/agent_error/);
    const records = read(bench.paths.historyFile)
      .split('\n')
      .filter(Boolean)
      .map((line) => taskHistoryRecordSchema.parse(JSON.parse(line)));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ task_id: '31', result: 'success', attempts: 2 });
  });
});
