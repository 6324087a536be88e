import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';
import type { QueueBackend } from '../queue/backend.js';
import { returnClaim } from '../queue/return-claim.js';
import { runningWorkerPid } from '../health/worker-pid-file.js';
import { workerIds, type ManagerState } from '../health/manager-state.js';

/** The worker ids the manager will run or restart: in the pool and not given up. */
export const idsComingBack = (state: ManagerState): Set<number> =>
  new Set(workerIds(state).filter((id) => !state.workers[String(id)]!.gave_up));

/**
 * A task claimed by a worker that will not come back (its pane removed, its id scaled away or
 * given up, or a worker run by hand) would stay claimed forever: once no live process is that
 * worker (its pid file), the task goes back to the queue with an ALERT. Returns the task ids.
 */
export async function returnOrphanedClaims(
  backend: QueueBackend,
  options: { readonly paths: DataPaths; readonly lockStaleMs: number; readonly comingBack: ReadonlySet<number>; readonly log: EventLog },
): Promise<string[]> {
  const returned: string[] = [];
  for (const task of await backend.list()) {
    const workerId = task.workerId;
    if (task.status !== 'claimed' || workerId === null || options.comingBack.has(workerId)) continue;
    // Another host's worker: its pid file is there, not here; its lease returns the task.
    if (task.host !== undefined && task.host !== backend.host) continue;
    if ((await runningWorkerPid(options.paths, workerId, options.lockStaleMs)) !== undefined) continue;
    await returnClaim(backend, task.id, `worker ${workerId} is gone and will not be restarted`);
    returned.push(task.id);
    await options.log.log(
      'ALERT',
      `Task ${task.id} (sub-issue ${task.subissue}) was claimed by worker ${workerId}, which is gone and will not be restarted; returned it to the queue (${task.attempts} attempts counted).`,
    );
  }
  return returned;
}
