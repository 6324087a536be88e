import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLevel } from '../core/event-log.js';
import type { HealthState } from './classify.js';
import type { HealthReport } from './report.js';

export interface MonitorEvent {
  readonly level: LogLevel;
  readonly message: string;
}

const TROUBLE: ReadonlySet<HealthState> = new Set(['dead', 'unresponsive']);

/**
 * Events for the workers whose health changed since the last cycle: an ALERT when one turns
 * dead or unresponsive, a WARN when one turns slow, an INFO when a troubled one recovers. Logging
 * changes, not every cycle, keeps alerts.log readable while a worker stays dead.
 */
export function healthTransitions(
  report: HealthReport,
  previous: ReadonlyMap<number, HealthState>,
): { readonly states: Map<number, HealthState>; readonly events: MonitorEvent[] } {
  const states = new Map<number, HealthState>();
  const events: MonitorEvent[] = [];
  for (const worker of report.workers) {
    states.set(worker.id, worker.health);
    const before = previous.get(worker.id);
    if (before === worker.health) continue;
    const silence = worker.heartbeat_age_s === null ? 'never sent a heartbeat' : `no heartbeat for ${worker.heartbeat_age_s} s`;
    if (worker.health === 'dead') {
      events.push({ level: 'ALERT', message: `Worker ${worker.id} is dead: ${silence}.` });
    } else if (worker.health === 'unresponsive') {
      events.push({ level: 'ALERT', message: `Worker ${worker.id} is unresponsive: ${silence}.` });
    } else if (worker.health === 'slow') {
      events.push({
        level: 'WARN',
        message: `Worker ${worker.id} is slow: task ${worker.current_task} has run since ${worker.task_started_at}.`,
      });
    } else if (before !== undefined && TROUBLE.has(before)) {
      events.push({ level: 'INFO', message: `Worker ${worker.id} recovered: now ${worker.health}.` });
    }
  }
  return { states, events };
}

export interface MonitorLoopOptions {
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** Builds the current report (reads metrics.json). */
  readonly snapshot: () => Promise<HealthReport>;
  readonly log: (event: MonitorEvent) => Promise<void>;
}

/** `worker-health-monitor monitor`: evaluate every interval until aborted. */
export async function runHealthMonitor(options: MonitorLoopOptions): Promise<void> {
  let states: ReadonlyMap<number, HealthState> = new Map();
  while (!options.signal.aborted) {
    const result = healthTransitions(await options.snapshot(), states);
    states = result.states;
    for (const event of result.events) await options.log(event);
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
