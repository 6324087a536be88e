import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) process.kill(pid, 'SIGCONT');
  await stopWorkers(running);
});

/** A pause the test makes on purpose (the daemon stays stopped this long); nothing is timed by it. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWith(['pueue', 'git'], 'a worker whose pueued is stopped (SIGSTOP) during a run', () => {
  it('waits for the daemon instead of giving up on the run: the agent runs once, the task succeeds', async () => {
    // MAX_RETRIES=2 and short delays: without waiting, the worker gives up on the daemon well within the pause.
    const bench = await makeWorkerBench('pueue', { MAX_RETRIES: '2', RETRY_DELAY: '200ms' });
    bench.setScenario({ default: 'gate' });
    await bench.backend.add({ subissue: '901', parent: '9', priority: 1 });
    const worker = bench.startWorker(1);
    running.push(worker);
    await waitFor(() => bench.starts().length === 1, { what: 'the agent started', timeoutMs: 60_000 });

    const daemonPid = bench.daemon!.pid()!;
    process.kill(daemonPid, 'SIGSTOP');
    stopped.push(daemonPid);
    writeFileSync(join(bench.agentDir, 'go-901'), '');
    await waitFor(() => bench.commits().length === 1, { what: 'the agent committed', timeoutMs: 60_000 });
    await pause(40_000);
    process.kill(daemonPid, 'SIGCONT');
    stopped.splice(0);

    const task = await waitFor(
      async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
      {
        what: 'the task finished',
        timeoutMs: 120_000,
        intervalMs: 200,
      },
    );
    expect(bench.starts()).toHaveLength(1);
    expect(task.status).toBe('done');
  }, 300_000);
});
