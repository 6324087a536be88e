import type { HealthStore } from '../health/health-store.js';
import type { QueueBackend } from '../queue/backend.js';

/**
 * Each heartbeat also renews the lease of the task the worker holds, on a backend with leases
 * (postgres): a worker that stops beating loses its task once the lease runs out.
 */
export function renewingLeases(
  health: Pick<HealthStore, 'heartbeat'>,
  backend: QueueBackend,
  workerId: number,
): Pick<HealthStore, 'heartbeat'> {
  if (!backend.renewLeases) return health;
  return {
    heartbeat: async (...beat) => {
      const written = await health.heartbeat(...beat);
      await backend.renewLeases!(workerId);
      return written;
    },
  };
}
