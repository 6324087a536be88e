import { existsSync, readFileSync } from 'node:fs';
import type { DataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { afterThisTest } from './after-test.js';
import { makeTmuxSocket } from './tmux-server.js';

export interface ManagerLoop {
  /** The manager's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * The manager's loop in this process (its pull request watcher among its duties) on a data root,
 * with `env` as its settings; it starts no workers of its own. Stopped after the test.
 */
export function startManagerLoop(paths: DataPaths, repo: string, env: Record<string, string>): ManagerLoop {
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
