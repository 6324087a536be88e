import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { taskHistoryRecordSchema } from '../../src/history/task-history.js';
import { usagePauseFile } from '../../src/pause/usage-pause.js';
import { drainFile } from '../../src/worker/control.js';
import { git } from '../helpers/git-repo.js';
import { describeEachBackend } from '../helpers/requires.js';
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

const history = (bench: WorkerBench) =>
  existsSync(bench.paths.historyFile)
    ? readFileSync(bench.paths.historyFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => taskHistoryRecordSchema.parse(JSON.parse(line)))
    : [];

const finished = async (bench: WorkerBench, count: number, timeoutMs = 60_000) =>
  waitFor(async () => (await bench.backend.list()).filter((task) => ['done', 'failed', 'review'].includes(task.status)).length >= count, {
    timeoutMs,
    intervalMs: 100,
    what: `${count} finished tasks`,
  });

describeEachBackend(['git'], 'worker loop on the %s backend', (backendName) => {
  it('3 workers drain 30 tasks: each succeeds once, on its branch, leaving no worktree and the checkout untouched', async () => {
    const bench = await makeWorkerBench(backendName);
    const head = git(bench.repo, 'rev-parse', 'HEAD');
    for (let index = 1; index <= 30; index += 1)
      await bench.backend.add({ subissue: String(100 + index), parent: '9', priority: 1 + (index % 3) });
    const workers = [1, 2, 3].map((id) => start(bench, id));
    await finished(bench, 30, 120_000);
    for (const worker of workers) worker.control.requestDrain();
    await Promise.all(workers.map((worker) => worker.done));

    const tasks = await bench.backend.list();
    const notDone = tasks.filter((task) => task.status !== 'done');
    // On failure, show what the agent said in every attempt.
    const outputs = notDone.flatMap((task) =>
      (existsSync(join(bench.home, 'runs', `worker-${task.workerId}`))
        ? readdirSync(join(bench.home, 'runs', `worker-${task.workerId}`))
        : []
      )
        .filter((name) => name.startsWith(`task-${task.id}-`))
        .map((name) => join(bench.home, 'runs', `worker-${task.workerId}`, name)),
    );
    const agentNotes = ['errors.log', 'starts.log']
      .map((name) => join(bench.agentDir, name))
      .concat([1, 2, 3].map((id) => join(bench.paths.errorsDir, `worker-${id}.log`)))
      .filter(existsSync);
    expect(notDone, [...outputs, ...agentNotes].map((file) => readFileSync(file, 'utf8')).join('\n')).toEqual([]);
    const records = history(bench);
    expect(
      records
        .filter((record) => record.result === 'success')
        .map((record) => record.task_id)
        .sort(),
    ).toEqual(tasks.map((task) => task.subissue).sort());
    expect(bench.commits().sort()).toEqual(tasks.map((task) => task.subissue).sort());
    for (const task of tasks) {
      expect(git(bench.repo, 'log', '-1', '--format=%s', `subissue/9-${task.subissue}`)).toBe(`agent: sub-issue ${task.subissue}`);
    }
    expect(git(bench.repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(git(bench.repo, 'status', '--porcelain')).toBe('');
    expect(git(bench.repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(bench.repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    const metrics = await bench.health.read();
    expect(metrics.stats.successful_tasks).toBe(30);
    expect(new Set(records.map((record) => record.worker_id)).size).toBeGreaterThan(1);
  }, 240_000);

  it('fails twice, then succeeds: 3 attempts with growing delays, success recorded once', async () => {
    const bench = await makeWorkerBench(backendName, { RETRY_DELAY: '300ms' });
    bench.setScenario({ default: 'fail:2' });
    await bench.backend.add({ subissue: '7', parent: '1', priority: 1 });
    const worker = start(bench, 1);
    await finished(bench, 1);

    expect(bench.starts().map((entry) => entry.task)).toEqual(['7', '7', '7']);
    const delays = worker.output.flatMap((line) => /retrying in (\d+) ms/.exec(line)?.[1] ?? []).map(Number);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThanOrEqual(delays[0]!);
    expect(delays[0]).toBeGreaterThanOrEqual(150);
    const records = history(bench);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ task_id: '7', parent: '1', worker_id: 1, attempts: 3, result: 'success', error_class: null });
    expect((await bench.backend.list())[0]?.status).toBe('done');
    expect((await bench.health.read()).stats).toMatchObject({ total_tasks: 1, successful_tasks: 1, failed_tasks: 0 });
    expect(readFileSync(join(bench.paths.errorsDir, 'worker-1.log'), 'utf8')).toMatch(/task 7 attempt 2: agent_error/);
  });

  it('kills a hanging agent at TASK_TIMEOUT, with its SIGTERM-ignoring child, and classifies it timeout', async () => {
    const bench = await makeWorkerBench(backendName, { TASK_TIMEOUT: '5', MAX_RETRIES: '1' });
    bench.setScenario({ default: 'stubborn' });
    await bench.backend.add({ subissue: '31', parent: '3', priority: 1 });
    start(bench, 1);
    await finished(bench, 1);

    const pids = readFileSync(join(bench.agentDir, 'pids.log'), 'utf8').split('\n').filter(Boolean).map(Number);
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every(isGone), { what: 'every agent process to be gone', timeoutMs: 10_000 });
    const [record] = history(bench);
    expect(record).toMatchObject({ task_id: '31', result: 'failed', error_class: 'timeout', attempts: 1 });
    expect((await bench.backend.list())[0]).toMatchObject({ status: 'failed' });
  });

  it('repairs a stale worktree directory and reuses the existing branch', async () => {
    const bench = await makeWorkerBench(backendName);
    const branch = 'subissue/4-44';
    git(bench.repo, 'branch', branch);
    const scratch = join(bench.repo, '..', `${bench.repo.split('/').pop()}-scratch`);
    git(bench.repo, 'worktree', 'add', scratch, branch);
    writeFileSync(join(scratch, 'earlier.txt'), 'from an earlier attempt\n');
    git(scratch, 'add', 'earlier.txt');
    git(scratch, 'commit', '-q', '-m', 'earlier attempt');
    git(bench.repo, 'worktree', 'remove', scratch);
    const stale = join(bench.repo, '.worktrees', 'subissue-44');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'stale.txt'), 'left behind\n');

    await bench.backend.add({ subissue: '44', parent: '4', priority: 1 });
    start(bench, 1);
    await finished(bench, 1);

    expect(git(bench.repo, 'log', '--format=%s', branch).split('\n')).toEqual(['agent: sub-issue 44', 'earlier attempt', 'initial commit']);
    expect(history(bench)[0]).toMatchObject({ result: 'success' });
    expect(existsSync(stale)).toBe(false);
  });

  it('keeps heartbeating while the agent runs for 10 seconds', async () => {
    const bench = await makeWorkerBench(backendName, { HEARTBEAT_INTERVAL: '1' });
    bench.setScenario({ default: 'sleep:10000' });
    await bench.backend.add({ subissue: '55', parent: '5', priority: 1 });
    start(bench, 1);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start' });
    const beats = new Set<string>();
    await waitFor(
      async () => {
        const record = (await bench.health.read()).workers['1'];
        if (record?.status === 'working' && record.current_task === '55' && record.last_heartbeat) beats.add(record.last_heartbeat);
        return bench.commits().length === 1;
      },
      { intervalMs: 200, timeoutMs: 30_000, what: 'the agent to finish' },
    );
    expect(beats.size).toBeGreaterThanOrEqual(6);
    const record = (await bench.health.read()).workers['1'];
    expect(record?.task_started_at === undefined).toBe(false);
  });

  it('picks up a task added to an empty queue in under a second', async () => {
    const bench = await makeWorkerBench(backendName);
    start(bench, 1);
    await waitFor(async () => (await bench.health.read()).workers['1']?.status === 'idle', { what: 'the worker to be idle' });
    const added = await bench.backend.add({ subissue: '66', parent: '6', priority: 1 });
    const claimed = await waitFor(async () => (await bench.backend.get(added.id))?.claimedAt, { what: 'the claim' });
    expect(Date.parse(claimed) - Date.parse(added.createdAt)).toBeLessThan(1000);
  });

  it('on a stop request lets the attempt finish, then exits with heartbeat stopped', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ default: 'sleep:1500' });
    await bench.backend.add({ subissue: '77', parent: '7', priority: 1 });
    await bench.backend.add({ subissue: '78', parent: '7', priority: 2 });
    const worker = start(bench, 1);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start' });
    worker.control.requestStop();
    await expect(worker.done).resolves.toBe(0);
    const tasks = await bench.backend.list();
    expect(tasks.map((task) => [task.subissue, task.status])).toEqual([
      ['77', 'done'],
      ['78', 'queued'],
    ]);
    expect((await bench.health.read()).workers['1']?.status).toBe('stopped');
  });

  it('on a second stop request kills the run and requeues the task without counting the attempt', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ default: 'hang' });
    await bench.backend.add({ subissue: '88', parent: '8', priority: 1 });
    const worker = start(bench, 1);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start' });
    worker.control.requestStop();
    worker.control.requestStop();
    await expect(worker.done).resolves.toBe(0);
    expect((await bench.backend.list())[0]).toMatchObject({ status: 'queued', attempts: 0 });
    expect(isGone(bench.starts()[0]!.pid)).toBe(true);
    expect(history(bench)).toEqual([]);
  });

  it('drains when its control file appears: finishes the task, exits, removes the file', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ default: 'sleep:1000' });
    await bench.backend.add({ subissue: '91', parent: '9', priority: 1 });
    await bench.backend.add({ subissue: '92', parent: '9', priority: 2 });
    const worker = start(bench, 2);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent to start' });
    writeFileSync(drainFile(bench.paths, 2), '');
    await expect(worker.done).resolves.toBe(0);
    expect((await bench.backend.list()).map((task) => task.status)).toEqual(['done', 'queued']);
    expect(existsSync(drainFile(bench.paths, 2))).toBe(false);
  });

  it('keeps the worktree of a failure that left commits and says where; classifies a crash by signal', async () => {
    const bench = await makeWorkerBench(backendName, { MAX_RETRIES: '1' });
    bench.setScenario({ tasks: { '94': 'commit-fail', '95': 'crash:SIGSEGV' } });
    await bench.backend.add({ subissue: '94', parent: '9', priority: 1 });
    await bench.backend.add({ subissue: '95', parent: '9', priority: 2 });
    const worker = start(bench, 1);
    await finished(bench, 2);
    const kept = join(bench.repo, '.worktrees', 'subissue-94');
    expect(existsSync(join(kept, 'task-94.txt'))).toBe(true);
    expect(worker.output.join('\n')).toContain(`worktree is kept at ${kept}`);
    expect(existsSync(join(bench.repo, '.worktrees', 'subissue-95'))).toBe(false);
    expect(history(bench).map((record) => [record.task_id, record.result, record.error_class])).toEqual([
      ['94', 'failed', 'agent_error'],
      ['95', 'failed', 'agent_error'],
    ]);
    expect((await bench.health.read()).stats).toMatchObject({ total_tasks: 2, failed_tasks: 2 });
  });

  it('works on past an unreadable usage-pause file and says why in its output', async () => {
    const bench = await makeWorkerBench(backendName);
    // A directory where the file should be: reading it fails (a corrupt file would be recovered).
    mkdirSync(usagePauseFile(bench.paths), { recursive: true });
    await bench.backend.add({ subissue: '94', parent: '9', priority: 1 });
    const worker = start(bench, 1);
    await finished(bench, 1);
    expect((await bench.backend.list())[0]?.status).toBe('done');
    expect(worker.output.filter((line) => line.includes('cannot read the usage pause'))).toHaveLength(1);
  });

  it('keeps the worktree of a review that left uncommitted edits or a commit on a detached HEAD, and says so', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ tasks: { '96': 'edit', '97': 'detach-commit' } });
    await bench.backend.add({ subissue: '96', parent: '9', priority: 1 });
    await bench.backend.add({ subissue: '97', parent: '9', priority: 2 });
    const worker = start(bench, 1);
    await finished(bench, 2);
    expect((await bench.backend.list()).map((task) => task.status)).toEqual(['review', 'review']);
    const edited = join(bench.repo, '.worktrees', 'subissue-96');
    const detached = join(bench.repo, '.worktrees', 'subissue-97');
    expect(readFileSync(join(edited, 'edit-96.txt'), 'utf8')).toBe('uncommitted work\n');
    expect(git(detached, 'log', '-1', '--format=%s')).toBe('agent: sub-issue 97');
    const said = worker.output.join('\n');
    expect(said).toContain(`task 96 ended review; its worktree is kept at ${edited} (branch subissue/9-96): it has uncommitted changes`);
    expect(said).toContain(
      `task 97 ended review; its worktree is kept at ${detached} (branch subissue/9-97): 1 commit(s) on its HEAD are on no branch`,
    );
  });

  it('sends exit 0 without new work to review, without retrying, and removes the worktree', async () => {
    const bench = await makeWorkerBench(backendName);
    bench.setScenario({ default: 'noop' });
    await bench.backend.add({ subissue: '93', parent: '9', priority: 1 });
    start(bench, 1);
    await finished(bench, 1);
    expect((await bench.backend.list())[0]?.status).toBe('review');
    expect(bench.starts()).toHaveLength(1);
    expect(history(bench)[0]).toMatchObject({ result: 'review', attempts: 1 });
    expect(existsSync(join(bench.repo, '.worktrees', 'subissue-93'))).toBe(false);
  });
});
