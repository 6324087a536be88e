import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLevel } from '../core/event-log.js';
import type { HealthState } from './classify.js';
import { workerKey } from '../core/worker-ref.js';
import type { HealthReport } from './report.js';

export interface MonitorEvent {
  readonly level: LogLevel;
  readonly message: string;
}

const TROUBLE: ReadonlySet<HealthState> = new Set(['dead', 'unresponsive']);

/**
 * Events for the workers whose health changed since the last cycle (keyed `host/id`): an ALERT when one turns
 * dead or unresponsive, a WARN when one turns slow, an INFO when a troubled one recovers. Logging
 * changes, not every cycle, keeps alerts.log readable while a worker stays dead.
 */
export function healthTransitions(
  report: HealthReport,
  previous: ReadonlyMap<string, HealthState>,
): { readonly states: Map<string, HealthState>; readonly events: MonitorEvent[] } {
  const states = new Map<string, HealthState>();
  const events: MonitorEvent[] = [];
  for (const worker of report.workers) {
    const key = workerKey(worker);
    states.set(key, worker.health);
    const before = previous.get(key);
    // Another host's worker is named host/id: its id alone names one of this host's.
    const name = worker.host === report.host ? String(worker.id) : key;
    if (before === worker.health) continue;
    const silence = worker.heartbeat_age_s === null ? 'never sent a heartbeat' : `no heartbeat for ${worker.heartbeat_age_s} s`;
    if (worker.health === 'dead') {
      events.push({ level: 'ALERT', message: `Worker ${name} is dead: ${silence}.` });
    } else if (worker.health === 'unresponsive') {
      events.push({ level: 'ALERT', message: `Worker ${name} is unresponsive: ${silence}.` });
    } else if (worker.health === 'slow') {
      events.push({
        level: 'WARN',
        message: `Worker ${name} is slow: task ${worker.current_task} has run since ${worker.task_started_at}.`,
      });
    } else if (before !== undefined && TROUBLE.has(before)) {
      events.push({ level: 'INFO', message: `Worker ${name} recovered: now ${worker.health}.` });
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
  let states: ReadonlyMap<string, HealthState> = new Map();
  while (!options.signal.aborted) {
    const result = healthTransitions(await options.snapshot(), states);
    states = result.states;
    for (const event of result.events) await options.log(event);
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
