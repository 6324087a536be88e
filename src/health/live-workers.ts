import { classifyHealth, type HealthThresholds } from './classify.js';
import type { Metrics } from './metrics-schema.js';

/**
 * Workers whose heartbeat says they are alive and not stopped (unresponsive counts: it may only
 * be late). The heartbeat rather than the tmux session: one file read, no tmux process, and it
 * also sees a worker started by hand outside the pool's session.
 */
export function liveWorkerIds(metrics: Metrics, now: Date, thresholds: HealthThresholds): number[] {
  return Object.entries(metrics.workers)
    .filter(([, record]) => !['dead', 'stopped', 'unknown'].includes(classifyHealth(record, now, thresholds)))
    .map(([id]) => Number(id));
}
