import type { PaneInfo } from '../adapters/tmux.js';
import { classifyHealth, type HealthState, type HealthThresholds } from '../health/classify.js';
import type { WorkerRecord } from '../health/metrics-schema.js';

/** What one check finds about one worker; the first five need a restart (or a new pane). */
export type WorkerVerdict =
  | { readonly kind: 'missing' }
  | { readonly kind: 'pane-dead'; readonly exitStatus: number | null; readonly signal: number | null }
  | { readonly kind: 'process-gone' }
  | { readonly kind: 'hung'; readonly health: 'dead' | 'unresponsive' }
  | { readonly kind: 'running'; readonly health: HealthState };

export interface WorkerObservation {
  readonly pane: PaneInfo | undefined;
  /** Whether the pane's process exists (kill -0); tmux may lag behind a SIGKILL. */
  readonly processAlive: boolean;
  readonly record: WorkerRecord | undefined;
  /** When the manager last started it: the heartbeat clock starts there, so a new worker gets its grace. */
  readonly startedAt: string | null;
}

const later = (a: string | undefined, b: string | null) => {
  if (a === undefined) return b ?? undefined;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
};

/**
 * Pane facts from tmux first (they are certain and immediate), then the heartbeat: the only way to
 * see a worker that is alive but hung (SIGSTOP, a deadlock), which no exit event reveals.
 */
export function classifyWorker(observation: WorkerObservation, now: Date, thresholds: HealthThresholds): WorkerVerdict {
  const { pane } = observation;
  if (pane === undefined) return { kind: 'missing' };
  if (pane.dead) return { kind: 'pane-dead', exitStatus: pane.deadStatus, signal: pane.deadSignal };
  if (!observation.processAlive) return { kind: 'process-gone' };
  const base = observation.record ?? { status: 'starting', current_task: 'none', tasks_completed: 0, tasks_failed: 0, restarts: 0 };
  const lastHeartbeat = later(base.last_heartbeat, observation.startedAt);
  const health = classifyHealth({ ...base, last_heartbeat: lastHeartbeat }, now, thresholds);
  if (health === 'dead' || health === 'unresponsive') return { kind: 'hung', health };
  // A process still in its pane long after it reported `stopped` did not finish stopping: hung.
  const age = lastHeartbeat === undefined ? undefined : now.getTime() - Date.parse(lastHeartbeat);
  if (health === 'stopped' && age !== undefined && age > thresholds.DEAD_WORKER_THRESHOLD) return { kind: 'hung', health: 'dead' };
  return { kind: 'running', health };
}

export function describeVerdict(verdict: WorkerVerdict): string {
  switch (verdict.kind) {
    case 'missing':
      return 'its pane is missing';
    case 'pane-dead':
      if (verdict.signal !== null) return `its process was killed by signal ${verdict.signal}`;
      // The sh wrapper reports a worker killed by signal N as status 128 + N.
      if (verdict.exitStatus !== null && verdict.exitStatus > 128) return `its process was killed by signal ${verdict.exitStatus - 128}`;
      return `its process exited${verdict.exitStatus === null ? '' : ` with status ${verdict.exitStatus}`}`;
    case 'process-gone':
      return 'its process is gone from the pane';
    case 'hung':
      return `its heartbeat stopped (${verdict.health})`;
    case 'running':
      return verdict.health;
  }
}
