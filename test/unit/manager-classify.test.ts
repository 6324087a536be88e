import { describe, expect, it } from 'vitest';
import type { PaneInfo } from '../../src/adapters/tmux.js';
import { classifyWorker } from '../../src/manager/classify-worker.js';
import type { WorkerRecord } from '../../src/health/metrics-schema.js';

const now = new Date('2026-01-01T00:10:00.000Z');
const thresholds = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 900_000 };
const pane = (over: Partial<PaneInfo> = {}): PaneInfo => ({
  paneId: '%3',
  workerId: 2,
  dead: false,
  pid: 100,
  command: 'node',
  deadStatus: null,
  deadSignal: null,
  windowIndex: 0,
  ...over,
});
const record = (over: Partial<WorkerRecord> = {}): WorkerRecord => ({
  status: 'idle',
  current_task: 'none',
  tasks_completed: 0,
  tasks_failed: 0,
  restarts: 0,
  last_heartbeat: '2026-01-01T00:09:58.000Z',
  ...over,
});
const classify = (observation: Partial<Parameters<typeof classifyWorker>[0]>) =>
  classifyWorker({ pane: pane(), processAlive: true, record: record(), startedAt: null, ...observation }, now, thresholds);

describe('manager classification of one worker', () => {
  it('reports a missing pane, a dead pane and a gone process from tmux facts', () => {
    expect(classify({ pane: undefined })).toEqual({ kind: 'missing' });
    expect(classify({ pane: pane({ dead: true, deadSignal: 9 }) })).toEqual({ kind: 'pane-dead', exitStatus: null, signal: 9 });
    expect(classify({ processAlive: false })).toEqual({ kind: 'process-gone' });
  });

  it('reports a hung worker from its heartbeat age', () => {
    expect(classify({ record: record({ last_heartbeat: '2026-01-01T00:09:40.000Z' }) })).toEqual({ kind: 'hung', health: 'unresponsive' });
    expect(classify({ record: record({ last_heartbeat: '2026-01-01T00:09:00.000Z' }) })).toEqual({ kind: 'hung', health: 'dead' });
  });

  it('gives a just-restarted worker its grace: the heartbeat clock starts at the restart', () => {
    const old = record({ last_heartbeat: '2026-01-01T00:00:00.000Z' });
    expect(classify({ record: old, startedAt: '2026-01-01T00:09:55.000Z' })).toEqual({ kind: 'running', health: 'healthy' });
    expect(classify({ record: undefined, startedAt: '2026-01-01T00:09:55.000Z' })).toEqual({ kind: 'running', health: 'healthy' });
    expect(classify({ record: undefined, startedAt: '2026-01-01T00:05:00.000Z' })).toEqual({ kind: 'hung', health: 'dead' });
  });

  it('reports slow from the task start, as running', () => {
    const slow = record({ status: 'working', current_task: '42', task_started_at: '2025-12-31T23:00:00.000Z' });
    expect(classify({ record: slow })).toEqual({ kind: 'running', health: 'slow' });
  });
});
