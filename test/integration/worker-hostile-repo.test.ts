import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { git } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type RunningWorker, stopWorkers } from '../helpers/worker-harness.js';

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

describeWith(['git'], 'a repository that commits .worktrees as a link', () => {
  it('fails the task as worktree_error saying why; the directory behind the link keeps its file and no agent runs there', async () => {
    const bench = await makeWorkerBench('embedded', { MAX_RETRIES: '2', RETRY_DELAY: '100ms' });
    const victim = makeTempDir('hw-victim-');
    mkdirSync(join(victim, 'subissue-200'));
    writeFileSync(join(victim, 'subissue-200', 'precious.txt'), 'keep me\n');
    symlinkSync(victim, join(bench.repo, '.worktrees'));
    git(bench.repo, 'add', '.worktrees');
    git(bench.repo, 'commit', '-q', '-m', 'commit .worktrees as a link');
    await bench.backend.add({ subissue: '200', parent: '1', priority: 1 });
    running.push(bench.startWorker(1));

    const task = await waitFor(
      async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
      {
        what: 'the task finished',
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );
    expect(task.status).toBe('failed');
    expect(task.lastError).toMatch(/worktree_error: .*\.worktrees is a symbolic link .*remove the link/);
    expect(readFileSync(join(victim, 'subissue-200', 'precious.txt'), 'utf8')).toBe('keep me\n');
    expect(bench.starts()).toEqual([]);
  }, 120_000);
});
