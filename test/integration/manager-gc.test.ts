import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

describeWith(['git', 'tmux'], "the manager's gc pass every GC_INTERVAL", () => {
  it('removes a finished task worktree left behind at its first pass and the next one an interval later, logging each with its reason; keeps a dirty one', async () => {
    const paths = dataPaths(makeTempDir('hw-manager-gc-'));
    const repo = makeGitRepo();
    const settings = resolveSettings(
      {},
      {
        WORKER_BACKEND: 'embedded',
        GC_INTERVAL: '10',
        CHECK_INTERVAL: '200ms',
        WORKERS_TMUX_SOCKET: makeTmuxSocket(),
        WORKERS_SESSION: 'pool',
      },
    );
    const context = managerContextFor({ paths, settings, now: () => new Date(), env: {} }, { workerBin: '/bin/true', cwd: repo });
    const { backend } = await openQueueBackend({ paths, settings, env: {} });
    const finishedWorktree = async (subissue: string) => {
      const task = await backend.add({ subissue, parent: '3', priority: 1 });
      await backend.claim(1);
      await backend.finish(task.id, { status: 'done' });
      const place = join(repo, '.worktrees', `subissue-${subissue}`);
      git(repo, 'worktree', 'add', '-q', '-b', `subissue/3-${subissue}`, place, 'main');
      return place;
    };
    const first = await finishedWorktree('31');
    const dirty = await finishedWorktree('32');
    writeFileSync(join(dirty, 'notes.txt'), 'mine\n');
    const log = () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : '');

    const controller = new AbortController();
    const done = runMonitorLoop(context, openPool(context), { signal: controller.signal });
    try {
      const removed = new RegExp(`\\[INFO\\] gc: removed the worktree ${first} \\(task \\d+ is done; nothing uncommitted or unsaved\\)`);
      await waitFor(() => removed.test(log()), { timeoutMs: 30_000, what: 'the first pass to remove the worktree' });
      expect(existsSync(first)).toBe(false);
      const second = await finishedWorktree('33');
      await waitFor(() => log().includes(`gc: removed the worktree ${second}`), {
        timeoutMs: 60_000,
        what: 'the next pass to remove the second worktree',
      });
      expect(existsSync(second)).toBe(false);
      expect(log()).toMatch(/gc: 1 worktree\(s\) kept/);
      expect(existsSync(dirty)).toBe(true);
    } finally {
      controller.abort();
      await done;
    }
  }, 120_000);
});
