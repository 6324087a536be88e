import type { WorkerRecord } from './metrics-schema.js';

export const HEALTH_STATES = ['healthy', 'working', 'slow', 'unresponsive', 'recovering', 'stopped', 'dead', 'unknown'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface HealthThresholds {
  readonly DEAD_WORKER_THRESHOLD: number;
  readonly SLOW_TASK_THRESHOLD: number;
}

/**
 * How far in the future a time may lie and still count as now: clocks of one host agree, but an
 * NTP step can move one a little. A heartbeat further ahead was not written by a clock we share.
 */
export const MAX_CLOCK_SKEW_MS = 10_000;

/** Age of a time; a time within the clock skew ahead is age 0, one further ahead is undefined (no evidence). */
const ageMs = (iso: string | null | undefined, now: Date): number | undefined => {
  if (iso === undefined || iso === null) return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return Number.POSITIVE_INFINITY;
  const age = now.getTime() - at;
  if (age < -MAX_CLOCK_SKEW_MS) return undefined;
  return Math.max(0, age);
};

export const hasTask = (record: WorkerRecord) => record.current_task !== 'none' && record.current_task !== '';

/** docs/SPEC.md section 5, in its order. The slow check measures the task's own running time. */
export function classifyHealth(record: WorkerRecord | undefined, now: Date, thresholds: HealthThresholds): HealthState {
  if (record === undefined) return 'unknown';
  const heartbeatAge = ageMs(record.last_heartbeat, now);
  if (heartbeatAge === undefined) return 'unknown';
  // A worker that said `stopped` on its way out (drained, scaled down, shut down, retired by setup)
  // stopped on purpose: its heartbeat ends there, and that is not a death.
  if (record.status === 'stopped') return 'stopped';
  if (heartbeatAge > thresholds.DEAD_WORKER_THRESHOLD) return 'dead';
  if (heartbeatAge > thresholds.DEAD_WORKER_THRESHOLD / 2) return 'unresponsive';
  if (record.status === 'recovering') return 'recovering';
  if (!hasTask(record)) return 'healthy';
  const taskAge = ageMs(record.task_started_at, now);
  if (taskAge !== undefined && taskAge > thresholds.SLOW_TASK_THRESHOLD) return 'slow';
  return 'working';
}

/** The monitoring-plugins convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export function checkExitCode(state: HealthState): 0 | 1 | 2 | 3 {
  switch (state) {
    case 'healthy':
    case 'working':
      return 0;
    case 'slow':
    case 'unresponsive':
    case 'recovering':
      return 1;
    case 'dead':
      return 2;
    case 'unknown':
    case 'stopped':
      return 3;
  }
}

export const heartbeatAgeMs = (record: WorkerRecord, now: Date) => ageMs(record.last_heartbeat, now);
