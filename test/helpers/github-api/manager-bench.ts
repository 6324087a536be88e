import { existsSync, readFileSync } from 'node:fs';
import { dataPaths, type DataPaths } from '../../../src/core/paths.js';
import { resolveSettings } from '../../../src/core/settings.js';
import { openFleetStores } from '../../../src/health/open-stores.js';
import { runMonitorLoop } from '../../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../../src/manager/pool.js';
import type { QueueBackend } from '../../../src/queue/backend.js';
import { openQueueBackend } from '../../../src/queue/open-backend.js';
import { makeTempDir } from '../temp.js';
import { makeTmuxSocket } from '../tmux-server.js';
import { makeGithubBench, type GithubBench } from './gh-env.js';
import { pullHistoryRecords } from './pull-history.js';

/*
 * The manager's loop (watcher, follow-ups, merges, notifications) with the real gh against the
 * scripted GitHub and the embedded queue (or the queue `extra` names), in a temp data root.
 */

export interface ManagerGithubBench {
  readonly paths: DataPaths;
  readonly github: GithubBench;
  readonly backend: QueueBackend;
  /** The manager's log so far. */
  log(): string;
  /** Runs the manager's loop until `stop` is called. */
  startManager(): { stop(): Promise<void> };
  /** A done task of sub-issue `subissue` (waiting on `blockedBy`) whose pull request is `pr`, in the history. */
  delivered(tasks: readonly { subissue: string; pr: number; blockedBy?: readonly string[] }[]): Promise<void>;
}

export async function makeManagerGithubBench(
  extra: Record<string, string> = {},
  github?: GithubBench,
  root = makeTempDir('hw-followups-'),
): Promise<ManagerGithubBench> {
  const paths = dataPaths(root);
  github ??= await makeGithubBench();
  const env = { ...github.env, WORKER_BACKEND: 'embedded', PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms', ...extra };
  const settings = resolveSettings({}, { ...env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
  const context = managerContextFor({ paths, settings, now: () => new Date(), env }, { workerBin: '/bin/true', cwd: github.repo });
  const { backend } = await openQueueBackend({ paths, settings, env });
  const bench: ManagerGithubBench = {
    paths,
    github,
    backend,
    log: () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : ''),
    startManager: () => {
      const controller = new AbortController();
      const done = runMonitorLoop(context, openPool(context), { signal: controller.signal });
      return {
        stop: async () => {
          controller.abort();
          await done;
        },
      };
    },
    delivered: async (tasks) => {
      for (const { subissue } of tasks) {
        const task = await backend.add({ subissue, parent: '1', priority: 5, repo: 'octo/widgets' });
        await backend.claim(1);
        await backend.finish(task.id, { status: 'done' });
      }
      // Blockers are set once every task is done: claim never hands out a blocked task.
      for (const { subissue, blockedBy } of tasks) {
        const task = (await backend.list()).find((candidate) => candidate.subissue === subissue);
        if (blockedBy && task) await backend.setBlockers(task.id, blockedBy);
      }
      // Through the history store: on PostgreSQL every host's watcher reads it from the database.
      const { history } = openFleetStores({ paths, settings, env });
      for (const record of pullHistoryRecords(
        github.api,
        tasks.map(({ subissue, pr }) => ({ task: subissue, pr })),
      ))
        await history.append(record, new Date());
    },
  };
  return bench;
}
