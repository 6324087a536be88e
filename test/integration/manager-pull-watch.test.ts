import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { writePullHistory } from '../helpers/github-api/pull-history.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The manager follows the pool's pull requests (real gh, scripted GitHub) and `worker-queue
 * status` shows what each waits for.
 */

describe("the manager's pull-request watcher", () => {
  it('follows each done task’s pull request, and worker-queue status shows its state and checks per task and per parent', async () => {
    const paths = dataPaths(makeTempDir('hw-manager-prs-'));
    const github = await makeGithubBench();
    const env = { ...github.env, WORKER_BACKEND: 'embedded', PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms' };
    const settings = resolveSettings({}, { ...env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
    const context = managerContextFor({ paths, settings, now: () => new Date(), env }, { workerBin: '/bin/true', cwd: github.repo });
    const { backend } = await openQueueBackend({ paths, settings, env: {} });
    for (const subissue of ['2', '3', '4']) {
      const task = await backend.add({ subissue, parent: '1', priority: 1 });
      await backend.claim(1);
      await backend.finish(task.id, { status: 'done' });
    }
    const failing = github.api.openPull({ head: 'subissue/1-2' });
    const check = github.api.addCheckRun(failing.number, { name: 'unit tests', conclusion: 'failure', title: 'add() returns 3' });
    const ready = github.api.openPull({ head: 'subissue/1-3' });
    github.api.addCheckRun(ready.number, { name: 'unit tests' });
    github.api.addReview(ready.number, { login: 'maintainer', state: 'APPROVED', association: 'OWNER' });
    const merged = github.api.openPull({ head: 'subissue/1-4' });
    github.api.changePull(merged.number, { state: 'closed', merged: true });
    writePullHistory(paths.historyFile, github.api, [
      { task: '2', pr: failing.number },
      { task: '3', pr: ready.number },
      { task: '4', pr: merged.number },
    ]);
    const log = () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : '');
    const status = (args: string[]) => runBin('worker-queue', ['status', ...args], { home: paths.root, cwd: github.repo, env });

    const controller = new AbortController();
    const done = runMonitorLoop(context, openPool(context), { signal: controller.signal });
    try {
      await waitFor(() => (log().match(/Following pull request/g) ?? []).length === 3, {
        timeoutMs: 30_000,
        what: 'three pull requests followed',
      });
      expect(log()).toContain(
        `Following pull request #${failing.number} of task 2: open, checks failing (https://github.localhost/octo/widgets/pull/${failing.number}).`,
      );

      const text = await status([]);
      expect(text.stdout).toMatch(/^#1: 3\/3 done; pull requests: 1 ready, 1 failing, 1 merged\n/);
      expect(text.stdout).toContain(
        `done #2 -> pull request #${failing.number} https://github.localhost/octo/widgets/pull/${failing.number} (open, checks failing)`,
      );
      expect(text.stdout).toContain(
        `done #3 -> pull request #${ready.number} https://github.localhost/octo/widgets/pull/${ready.number} (ready, checks passing)`,
      );
      expect(text.stdout).toContain(`(merged)`);
      const json = JSON.parse((await status(['--json'])).stdout) as {
        parents: { pull_requests: Record<string, number>; done: { subissue: string; pr_state?: string; checks?: string }[] }[];
      };
      expect(json.parents[0]?.pull_requests).toEqual({
        ready: 1,
        waiting_review: 0,
        changes_requested: 0,
        failing: 1,
        conflicting: 0,
        merged: 1,
        closed: 0,
        released: 0,
      });
      expect(json.parents[0]?.done.find((task) => task.subissue === '2')).toEqual(
        expect.objectContaining({ pr_state: 'open', checks: 'failing' }),
      );

      // Fixed on GitHub: seen within PR_POLL_INTERVAL.
      github.api.changeCheckRun(check, { conclusion: 'success' });
      await waitFor(() => log().includes(`Pull request #${failing.number} of task 2: open, checks failing -> open, checks passing`), {
        timeoutMs: 20_000,
        what: 'the passing check seen',
      });
    } finally {
      controller.abort();
      await done;
    }
  }, 120_000);
});
