import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createEventLog } from '../../src/core/event-log.js';
import { returnOrphanedClaims } from '../../src/manager/orphan-claims.js';
import { readStartTime } from '../../src/adapters/process.js';
import { retryTask } from '../../src/queue/queue-commands.js';
import { describeEachBackend } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone, makeWorkerBench, type WorkerBench } from '../helpers/worker-harness.js';

/** Worker `id`'s pid file naming `pid` (with its real start time, or a made-up one). */
async function writePidFile(bench: WorkerBench, id: number, pid: number, startTime?: string) {
  mkdirSync(bench.paths.stateDir, { recursive: true });
  writeFileSync(join(bench.paths.stateDir, `worker-${id}.pid`), JSON.stringify({ pid, start_time: startTime ?? readStartTime(pid) }));
}

const alerts = (bench: WorkerBench) => (existsSync(bench.paths.alertsLog) ? readFileSync(bench.paths.alertsLog, 'utf8') : '');

describeEachBackend(['git'], 'claims of workers that never come back, on the %s backend', (backendName) => {
  it('go back to the queue once their worker is gone and not coming back, with their run stopped, the attempt counted and an ALERT', async () => {
    const bench = await makeWorkerBench(backendName);
    const gone = await bench.backend.add({ subissue: '701', parent: '7', priority: 1 });
    const live = await bench.backend.add({ subissue: '702', parent: '7', priority: 1 });
    const pooled = await bench.backend.add({ subissue: '703', parent: '7', priority: 1 });
    const reused = await bench.backend.add({ subissue: '704', parent: '7', priority: 1 });
    expect((await bench.backend.claim(9))?.id).toBe(gone.id);
    expect((await bench.backend.claim(8))?.id).toBe(live.id);
    expect((await bench.backend.claim(2))?.id).toBe(pooled.id);
    expect((await bench.backend.claim(6))?.id).toBe(reused.id);
    // Worker 9 died (SIGKILL) mid-run: its agent run lives on; worker 8 is this live process;
    // worker 2 is in the pool (the manager restarts it); worker 6's pid was reused by a live process.
    const marker = makeTempDir('hw-orphan-run-');
    await bench.backend.startRun(gone.id, { argv: ['/bin/sh', '-c', `echo $$ > ${marker}/pid; exec sleep 600`], cwd: marker, env: {} });
    const runPid = await waitFor(() => (existsSync(`${marker}/pid`) ? Number(readFileSync(`${marker}/pid`, 'utf8')) : undefined), {
      what: 'the run to start',
      timeoutMs: 30_000,
    });
    await writePidFile(bench, 9, 999_999_999, '1');
    await writePidFile(bench, 8, process.pid);
    await writePidFile(bench, 6, process.pid, '1');

    const log = createEventLog(bench.paths.managerLog, bench.paths.alertsLog);
    const returned = await returnOrphanedClaims(bench.backend, { paths: bench.paths, lockStaleMs: 5000, comingBack: new Set([1, 2]), log });

    expect(returned.sort()).toEqual([gone.id, reused.id].sort());
    expect(await bench.backend.get(gone.id)).toMatchObject({ status: 'queued', workerId: null, attempts: 1 });
    expect(await bench.backend.get(reused.id)).toMatchObject({ status: 'queued', workerId: null });
    expect(await bench.backend.get(live.id)).toMatchObject({ status: 'claimed', workerId: 8 });
    expect(await bench.backend.get(pooled.id)).toMatchObject({ status: 'claimed', workerId: 2 });
    await waitFor(() => isGone(runPid), { what: 'the orphaned run to be stopped', timeoutMs: 30_000 });
    expect(alerts(bench)).toMatch(
      new RegExp(
        `Task ${gone.id} \\(sub-issue 701\\) was claimed by worker 9, which is gone and will not be restarted; returned it to the queue \\(1 attempts counted\\)`,
      ),
    );
    expect(alerts(bench)).not.toMatch(/sub-issue 70[23]/);
    // Nothing left to return: a second look changes nothing and alerts nothing more.
    const before = alerts(bench);
    expect(await returnOrphanedClaims(bench.backend, { paths: bench.paths, lockStaleMs: 5000, comingBack: new Set([1, 2]), log })).toEqual(
      [],
    );
    expect(alerts(bench)).toBe(before);
  });

  it('retry --force returns a claim whose worker is gone, and refuses while the worker runs', async () => {
    const bench = await makeWorkerBench(backendName);
    const task = await bench.backend.add({ subissue: '711', parent: '7', priority: 1 });
    await bench.backend.claim(4);
    const force = { paths: bench.paths, lockStaleMs: 5000 };
    await expect(retryTask(bench.backend, (await bench.backend.get(task.id))!)).rejects.toThrow(
      /claimed by worker 4; only done, failed, review or cancelled tasks can be retried \(--force/,
    );
    await writePidFile(bench, 4, process.pid);
    await expect(retryTask(bench.backend, (await bench.backend.get(task.id))!, force)).rejects.toThrow(
      new RegExp(`claimed by worker 4, which is running as pid ${process.pid}`),
    );
    expect(await bench.backend.get(task.id)).toMatchObject({ status: 'claimed', workerId: 4 });
    await writePidFile(bench, 4, process.pid, '1');
    expect(await retryTask(bench.backend, (await bench.backend.get(task.id))!, force)).toMatchObject({ status: 'queued' });
    expect(await bench.backend.get(task.id)).toMatchObject({ status: 'queued', workerId: null });
  });
});
