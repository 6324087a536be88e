import type { QueueBackend } from '../queue/backend.js';
import type { QueueState } from './report.js';

/**
 * The queue's pending and running counts; a backend that cannot be opened or cannot answer makes
 * the queue "unavailable" in the report rather than failing it.
 */
export async function readQueueState(open: () => Promise<Pick<QueueBackend, 'name' | 'depth'>>): Promise<QueueState> {
  try {
    const backend = await open();
    const { queued, running } = await backend.depth();
    return { available: true, backend: backend.name, pending: queued, running };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
