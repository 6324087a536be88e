import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { emptyManagerState, newWorkerEntry } from '../../src/health/manager-state.js';
import { emptyWorkerRecord, type Metrics, type WorkerRecord } from '../../src/health/metrics-schema.js';
import { buildHealthReport } from '../../src/health/report.js';
import { detectEvents } from '../../src/notify/detect-events.js';
import type { NotifyEvent } from '../../src/notify/events.js';
import { observe } from '../../src/notify/observe.js';
import { addToOutbox, toMessage } from '../../src/notify/outbox.js';

const NOW = new Date('2026-12-01T10:30:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MINUTE = 60_000;
const record = (overrides: Partial<WorkerRecord>): WorkerRecord => ({ ...emptyWorkerRecord(), last_heartbeat: ago(1000), ...overrides });
const metricsOf = (workers: Record<string, WorkerRecord>) =>
  ({ version: 1, stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 }, workers }) as unknown as Metrics;

describe('clean stops are not deaths (issue 25)', () => {
  // After `shutdown` and a setup with fewer workers: 1 and 2 run, 3..8 drained or retired long ago.
  const workers: Record<string, WorkerRecord> = {
    1: record({ status: 'idle' }),
    2: record({ status: 'working', current_task: '7', task_started_at: ago(MINUTE) }),
    ...Object.fromEntries([3, 4, 5, 6, 7, 8].map((id) => [id, record({ status: 'stopped', last_heartbeat: ago(40 * MINUTE) })])),
  };

  it('the health report counts workers stopped on purpose as stopped, none dead', () => {
    const report = buildHealthReport({ ...metricsOf(workers) }, NOW, DEFAULT_SETTINGS, [], 'h');
    expect(report.summary.by_health).toMatchObject({ healthy: 1, working: 1, stopped: 6, dead: 0 });
  });

  it('the notifier sends no worker_dead for a worker that stopped cleanly', async () => {
    const state = emptyManagerState();
    state.workers['1'] = newWorkerEntry();
    state.workers['2'] = newWorkerEntry();
    const sources = (m: Metrics) => ({
      metrics: async () => m,
      managerState: async () => state,
      pause: async () => null,
      activeTasks: async () => 1,
    });
    const before = await observe(
      sources(metricsOf(Object.fromEntries(Object.keys(workers).map((id) => [id, record({ status: 'idle' })])))),
      DEFAULT_SETTINGS,
      NOW,
    );
    const after = await observe(sources(metricsOf(workers)), DEFAULT_SETTINGS, NOW);
    expect(detectEvents(before, after, NOW.toISOString())).toEqual([]);
    // A worker killed without a word is still dead.
    const killed = await observe(sources(metricsOf({ ...workers, 1: record({ status: 'idle', last_heartbeat: ago(MINUTE) }) })), DEFAULT_SETTINGS, NOW);
    expect(detectEvents(after, killed, NOW.toISOString()).map((event) => [event.kind, event.worker])).toEqual([['worker_dead', 1]]);
  });

  it('a worker seen dead twice within one message is listed once', () => {
    const dead = (worker: number): NotifyEvent => ({ kind: 'worker_dead', at: NOW.toISOString(), worker, summary: `Worker ${worker} is dead.` });
    let outbox = addToOutbox([], [dead(5), dead(7), dead(8)], 0);
    outbox = addToOutbox(outbox, [dead(7), dead(8)], 1000);
    expect(toMessage(outbox[0]!, 2000).events.map((event) => event.worker)).toEqual([5, 7, 8]);
  });
});
