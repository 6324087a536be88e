import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { openQueueBackend } from '../queue/open-backend.js';
import { returnClaim } from '../queue/return-claim.js';

/**
 * After a forced removal (or a hung worker killed), any task still claimed by that worker id would
 * wait forever: no worker with the id will come back to re-attach. Its run is stopped first, so the
 * task never runs twice at once, then it goes back to the queue.
 */
export function requeueTasksOfWorker(options: { paths: DataPaths; settings: Settings; env: Readonly<Record<string, string | undefined>> }) {
  return async (workerId: number): Promise<void> => {
    const { backend } = await openQueueBackend(options);
    for (const task of await backend.list()) {
      if (task.status !== 'claimed' || task.workerId !== workerId) continue;
      await returnClaim(backend, task.id, `worker ${workerId} was removed by force`);
    }
  };
}
