import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { withManagerBench } from './worker-manager-helpers.js';

describeWith(['git', 'tmux'], 'worker-manager and the claims of workers that never come back', () => {
  it('a task claimed by a worker id outside the pool, with no process, goes back to the queue and a pool worker finishes it', async () => {
    await withManagerBench({ CHECK_INTERVAL: '1' }, async (pool) => {
      const task = await pool.bench.backend.add({ subissue: '801', parent: '8', priority: 1 });
      // Worker 9 claimed it and was then scaled away or killed: nothing will come back for it.
      expect((await pool.bench.backend.claim(9))?.id).toBe(task.id);
      expect((await pool.wm('scale', '1')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      await waitFor(async () => (await pool.bench.backend.get(task.id))?.status === 'done', {
        timeoutMs: 60_000,
        what: 'the orphaned task to be done by worker 1',
      });
      expect(await pool.bench.backend.get(task.id)).toMatchObject({ workerId: 1 });
      expect(pool.bench.commits()).toEqual(['801']);
      expect(readFileSync(pool.bench.paths.alertsLog, 'utf8')).toMatch(
        /Task \d+ \(sub-issue 801\) was claimed by worker 9, which is gone and will not be restarted/,
      );
    });
  });
});
