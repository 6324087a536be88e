import { describe, expect, it } from 'vitest';
import { checkExitCode, classifyHealth, type HealthState } from '../../src/health/classify.js';
import { emptyWorkerRecord, type WorkerRecord } from '../../src/health/metrics-schema.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const thresholds = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 900_000 };
const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

const worker = (overrides: Partial<WorkerRecord>): WorkerRecord => ({
  ...emptyWorkerRecord(),
  last_heartbeat: secondsAgo(1),
  ...overrides,
});

describe('classifyHealth (docs/SPEC.md section 5, in order)', () => {
  const cases: [string, WorkerRecord | undefined, HealthState, number][] = [
    ['no record', undefined, 'unknown', 3],
    ['a record without any heartbeat', { ...emptyWorkerRecord() }, 'unknown', 3],
    ['heartbeat 31 s old', worker({ last_heartbeat: secondsAgo(31) }), 'dead', 2],
    ['heartbeat 16 s old', worker({ last_heartbeat: secondsAgo(16) }), 'unresponsive', 1],
    ['heartbeat exactly 15 s old', worker({ last_heartbeat: secondsAgo(15) }), 'healthy', 0],
    [
      'a worker stopped on purpose long ago stays stopped, not dead',
      worker({ last_heartbeat: secondsAgo(4000), status: 'stopped' }),
      'stopped',
      3,
    ],
    ['reported stopped', worker({ status: 'stopped' }), 'stopped', 3],
    ['reported recovering', worker({ status: 'recovering', current_task: '7', task_started_at: secondsAgo(2000) }), 'recovering', 1],
    ['task running 901 s', worker({ status: 'working', current_task: '7', task_started_at: secondsAgo(901) }), 'slow', 1],
    ['task running 899 s', worker({ status: 'working', current_task: '7', task_started_at: secondsAgo(899) }), 'working', 0],
    ['idle', worker({ status: 'idle' }), 'healthy', 0],
    ['an unreadable heartbeat time', worker({ last_heartbeat: 'yesterday' }), 'dead', 2],
  ];

  it.each(cases)('%s -> %s (exit %i)', (_name, record, state, exitCode) => {
    expect(classifyHealth(record, NOW, thresholds)).toBe(state);
    expect(checkExitCode(state)).toBe(exitCode);
  });

  it('measures slow from the task start, not from the heartbeat (shell defect 2)', () => {
    const fresh = worker({ status: 'working', current_task: '9', last_heartbeat: secondsAgo(0), task_started_at: secondsAgo(1000) });
    expect(classifyHealth(fresh, NOW, thresholds)).toBe('slow');
  });
});
