import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type RunningWorker } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  for (const worker of running.splice(0)) {
    worker.control.requestStop();
    await worker.done.catch(() => undefined);
  }
});

describeEachBackend(['git'], 'output files of finished runs (%s backend)', (backendName) => {
  it('gzips an output file larger than LOG_MAX_BYTES once the outcome is recorded, whole, and leaves a small one plain', async () => {
    const bench = await makeWorkerBench(backendName, { LOG_MAX_BYTES: '4096' });
    bench.setScenario({ tasks: { '71': 'chatty:200000', '72': 'chatty:100' } });
    const large = await bench.backend.add({ subissue: '71', parent: '7', priority: 1 });
    const small = await bench.backend.add({ subissue: '72', parent: '7', priority: 2 });
    running.push(bench.startWorker(1));

    // Named by backend, queue id and when the task was taken: no other task's file shares the name.
    const dir = join(bench.paths.root, 'runs', 'worker-1');
    const outputOf = (id: string) => {
      const pattern = new RegExp(`^task-${id}-${backendName}-\\d{8}T\\d+Z-attempt-1\\.log(?:\\.gz)?$`);
      const name = (existsSync(dir) ? readdirSync(dir) : []).find((candidate) => pattern.test(candidate));
      return name === undefined ? join(dir, 'missing') : join(dir, name.replace(/\.gz$/, ''));
    };
    await waitFor(
      async () =>
        (await bench.backend.get(small.id))?.status === 'done' && bench.commits().length === 2 && existsSync(`${outputOf(large.id)}.gz`),
      { timeoutMs: 60_000, what: 'both tasks done and the large output compressed' },
    );
    expect((await bench.backend.get(large.id))?.status).toBe('done');
    const [largeFile, smallFile] = [outputOf(large.id), outputOf(small.id)];
    expect(existsSync(largeFile)).toBe(false);
    const lines = gunzipSync(readFileSync(`${largeFile}.gz`))
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    expect(lines[0]).toBe('fake agent output line 0');
    expect(lines.every((line, index) => line === `fake agent output line ${index}`)).toBe(true);
    expect(lines.join('\n').length).toBeGreaterThanOrEqual(200_000 - 40);
    expect(readFileSync(smallFile, 'utf8')).toMatch(/^fake agent output line 0\n/);
    expect(existsSync(`${smallFile}.gz`)).toBe(false);
  }, 120_000);
});
