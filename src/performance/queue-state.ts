import type { QueueDepth } from '../queue/backend.js';
import type { QueueState } from './report.js';

/** The queue's pending and running counts; a backend that cannot answer makes the queue "unavailable", not the report fail. */
export async function readQueueState(depth: () => Promise<QueueDepth>): Promise<QueueState> {
  try {
    const { queued, running } = await depth();
    return { available: true, pending: queued, running };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
