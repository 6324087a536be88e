import { existsSync, readFileSync } from 'node:fs';
import type { DataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { afterThisTest } from './after-test.js';
import { makeTmuxSocket } from './tmux-server.js';

export interface WatchingManager {
  /** The manager's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * The manager's loop in this process on `paths` (its pull-request watcher, follow-ups and base
 * updates included), for `repo` with `env` (the scripted GitHub's); stopped after the test.
 */
export function startWatchingManager(paths: DataPaths, repo: string, env: Record<string, string>): WatchingManager {
  const settings = resolveSettings({}, { ...env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
  const context = managerContextFor({ paths, settings, now: () => new Date(), env }, { workerBin: '/bin/true', cwd: repo });
  const controller = new AbortController();
  const done = runMonitorLoop(context, openPool(context), { signal: controller.signal });
  const stop = async () => {
    controller.abort();
    await done;
  };
  afterThisTest(stop);
  return { log: () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : ''), stop };
}
