import type { QueueBackend } from './backend.js';

/** How long a gone worker's leftover agent run gets after SIGTERM before SIGKILL. */
const RUN_GRACE_MS = 5000;

/**
 * Hands a claimed task back to the queue for any worker: its run (if one is left) is stopped
 * first, so the task never runs twice at once. The attempts already started stay counted.
 */
export async function returnClaim(backend: QueueBackend, id: string, reason: string): Promise<void> {
  await backend.killRun(id, RUN_GRACE_MS);
  await backend.requeue(id, { error: reason });
}
