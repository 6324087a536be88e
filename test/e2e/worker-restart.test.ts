import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachBackend, describeWith } from '../helpers/requires.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone, makeWorkerBench, type BackendName, type WorkerBench } from '../helpers/worker-harness.js';

const historyLines = (bench: WorkerBench) =>
  existsSync(bench.paths.historyFile)
    ? readFileSync(bench.paths.historyFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

/** A worker that took task SUBISSUE and was SIGKILLed while its agent ran (the agent lives on). */
async function killedMidTask(backendName: BackendName, subissue: string, workerId: number, agentMs: number) {
  const bench = await makeWorkerBench(backendName);
  bench.setScenario({ default: `sleep:${agentMs}` });
  await bench.backend.add({ subissue, parent: '2', priority: 1 });
  const first = spawnWorker(bench, workerId);
  await waitFor(() => bench.starts().length === 1, { what: 'the agent to start', timeoutMs: 30_000 });
  const saved = await waitFor(() => JSON.parse(readFileSync(`${bench.paths.stateDir}/worker-${workerId}.state`, 'utf8')).task, {
    what: 'the task saved',
  });
  first.kill('SIGKILL');
  await first;
  return { bench, saved };
}

/** Starts the worker again and waits until it has finished the task, then stops it. */
async function restartUntilDone(bench: WorkerBench, workerId: number) {
  const second = spawnWorker(bench, workerId);
  await waitFor(async () => (await bench.backend.list())[0]?.status === 'done', { what: 'the task to be done', timeoutMs: 60_000 });
  second.kill('SIGTERM');
  return second;
}

describeEachBackend(['git'], 'hybrid-worker-enhanced binary on the %s backend', (backendName) => {
  it('killed with SIGKILL mid-task and started again: re-attaches and the task completes exactly once', async () => {
    const { bench } = await killedMidTask(backendName, '21', 4, 4000);
    const agentPid = bench.starts()[0]!.pid;
    expect(isGone(agentPid)).toBe(false);

    const result = await restartUntilDone(bench, 4);
    expect(result.exitCode).toBe(0);
    expect(result.all).toMatch(/re-attaching to task 21/);
    expect(bench.starts()).toHaveLength(1);
    expect(bench.commits()).toEqual(['21']);
    const records = historyLines(bench);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ task_id: '21', result: 'success', attempts: 1, worker_id: 4 });
    expect((await bench.health.read()).stats.successful_tasks).toBe(1);
  });

  it("killed after appending the task's record but before saving that: started again, it does not record the task twice", async () => {
    const { bench, saved } = await killedMidTask(backendName, '24', 6, 3000);
    // The state a kill leaves between the append and the save of `recorded`: the record is there.
    const appended = {
      version: 1,
      task_id: '24',
      parent: '2',
      worker_id: 6,
      attempts: 1,
      started_at: saved.started_at,
      ended_at: new Date().toISOString(),
      result: 'success',
    };
    mkdirSync(dirname(bench.paths.historyFile), { recursive: true });
    appendFileSync(bench.paths.historyFile, `${JSON.stringify(appended)}\n`);

    expect((await restartUntilDone(bench, 6)).exitCode).toBe(0);
    expect(bench.starts()).toHaveLength(1);
    expect(historyLines(bench)).toEqual([appended]);
  });

  it('SIGUSR1 drains: the running task finishes, then the worker exits 0 reporting stopped', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ default: 'sleep:1500' });
    await bench.backend.add({ subissue: '22', parent: '2', priority: 1 });
    await bench.backend.add({ subissue: '23', parent: '2', priority: 2 });
    const worker = spawnWorker(bench, 5);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start', timeoutMs: 30_000 });
    worker.kill('SIGUSR1');
    const result = await worker;
    expect(result.exitCode).toBe(0);
    expect((await bench.backend.list()).map((task) => task.status)).toEqual(['done', 'queued']);
    expect((await bench.health.read()).workers['5']?.status).toBe('stopped');
    expect(JSON.parse(readFileSync(`${bench.paths.stateDir}/worker-5.state`, 'utf8'))).toMatchObject({
      version: 1,
      status: 'stopped',
      task: null,
    });
  });
});

describeWith(['git'], 'one process per worker id', () => {
  it('a second worker 1 refuses while the first lives; once the first is gone, or its pid is reused, a new one starts', async () => {
    const bench = await makeWorkerBench('embedded');
    const first = spawnWorker(bench, 1);
    const pidFile = `${bench.paths.stateDir}/worker-1.pid`;
    await waitFor(() => existsSync(pidFile) && JSON.parse(readFileSync(pidFile, 'utf8')).pid === first.pid, {
      what: 'the first worker to claim id 1',
      timeoutMs: 30_000,
    });

    const second = await spawnWorker(bench, 1);
    expect(second.exitCode).toBe(1);
    expect(second.all).toMatch(new RegExp(`worker 1 is already running as pid ${first.pid}`, 'i'));
    expect(second.all).not.toMatch(/\n\s+at /);

    first.kill('SIGKILL');
    await first;
    // The dead worker's file is taken over; so is a file naming a live pid with another start time.
    const third = spawnWorker(bench, 1);
    await waitFor(() => JSON.parse(readFileSync(pidFile, 'utf8')).pid === third.pid, {
      what: 'the third worker to take over the stale id',
      timeoutMs: 30_000,
    });
    third.kill('SIGKILL');
    await third;
    writeFileSync(pidFile, JSON.stringify({ pid: process.pid, start_time: '1' }));
    const fourth = spawnWorker(bench, 1);
    await waitFor(() => JSON.parse(readFileSync(pidFile, 'utf8')).pid === fourth.pid, {
      what: 'the fourth worker to take over a reused pid',
      timeoutMs: 30_000,
    });
    let said = '';
    fourth.all?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    await waitFor(() => said.includes('worker 1 started'), { what: 'the fourth worker to start its loop', timeoutMs: 30_000 });
    fourth.kill('SIGTERM');
    expect((await fourth).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(pidFile, 'utf8')).pid).toBeNull();
  });
});

describeWith(['git'], 'hybrid-worker-enhanced usage', () => {
  it('refuses a bad worker id with exit 2 and writes nothing', async () => {
    const home = makeTempDir();
    const result = await runBin('hybrid-worker-enhanced', ['1;rm'], { home });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/Invalid worker id/);
    expect(existsSync(`${home}/state`)).toBe(false);
  });

  it('refuses a directory that is not a git repository', async () => {
    const home = makeTempDir();
    const result = await runBin('hybrid-worker-enhanced', ['1', '--repo', makeTempDir()], { home, env: { WORKER_BACKEND: 'embedded' } });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(/not inside a git repository/);
  });
});
