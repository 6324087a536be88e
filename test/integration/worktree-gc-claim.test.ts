import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEventLog } from '../../src/core/event-log.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { collectGarbage } from '../../src/worker/garbage-pass.js';
import { git } from '../helpers/git-repo.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

describe('gc and a task claimed while it walks .worktrees', () => {
  it('keeps the worktree of a finished task that a worker claims again right after gc read the queue', async () => {
    const bench = await makeWorkerBench('embedded');
    const task = await bench.backend.add({ subissue: '41', parent: '4', priority: 1 });
    await bench.backend.claim(1);
    await bench.backend.finish(task.id, { status: 'failed' });
    const place = join(bench.repo, '.worktrees', 'subissue-41');
    git(bench.repo, 'worktree', 'add', '-q', '-b', 'subissue/4-41', place, 'main');
    // The sub-issue added again and claimed by a worker land just after gc's first read of the queue.
    let reads = 0;
    const backend: QueueBackend = Object.create(bench.backend, {
      list: {
        value: async () => {
          const tasks = await bench.backend.list();
          reads += 1;
          if (reads === 1) {
            const again = await bench.backend.add({ subissue: '41', parent: '4', priority: 1 });
            expect((await bench.backend.claim(2))?.id).toBe(again.id);
          }
          return tasks;
        },
      },
    });
    await collectGarbage({
      repo: bench.repo,
      paths: bench.paths,
      settings: bench.settings,
      backend,
      now: new Date(),
      log: createEventLog(bench.paths.managerLog, undefined),
    });
    expect(existsSync(place)).toBe(true);
    expect((await bench.backend.list()).map((item) => item.status)).toEqual(['failed', 'claimed']);
  });
});
