import { listWorkerPanes } from '../adapters/tmux.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { openHealthStore } from '../health/open-stores.js';
import { liveWorkerIds } from '../health/live-workers.js';
import { tmuxOptionsFor } from './pool.js';

export interface PresenceContext {
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly now: () => Date;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether any worker will claim a task. A fresh heartbeat answers from one file read; without
 * one, a live pane in the workers' session still counts, because a worker that setup has just
 * started has not reported yet.
 */
export async function isAnyWorkerRunning(context: PresenceContext): Promise<boolean> {
  const metrics = await openHealthStore(context).read();
  if (liveWorkerIds(metrics, context.now(), context.settings).length > 0) return true;
  const panes = await listWorkerPanes(tmuxOptionsFor(context.settings), context.settings.WORKERS_SESSION);
  return [...panes.values()].some((pane) => !pane.dead);
}
