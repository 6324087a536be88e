import { describe, expect, it } from 'vitest';
import { liveWorkerIds } from '../../src/health/live-workers.js';
import { emptyMetrics, emptyWorkerRecord, type WorkerRecord } from '../../src/health/metrics-schema.js';

const NOW = new Date('2026-01-01T00:10:00.000Z');
const THRESHOLDS = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 600_000 };
const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const worker = (fields: Partial<WorkerRecord>): WorkerRecord => ({ ...emptyWorkerRecord(), ...fields });

describe('liveWorkerIds', () => {
  it('counts workers with a recent heartbeat (also a late one) that have not stopped', () => {
    const metrics = {
      ...emptyMetrics(),
      workers: {
        '1': worker({ last_heartbeat: secondsAgo(2) }),
        '2': worker({ last_heartbeat: secondsAgo(20), status: 'working', current_task: '7', task_started_at: secondsAgo(20) }),
        '3': worker({ last_heartbeat: secondsAgo(2), status: 'stopped' }),
        '4': worker({ last_heartbeat: secondsAgo(31) }),
        '5': worker({}),
      },
    };
    expect(liveWorkerIds(metrics, NOW, THRESHOLDS)).toEqual([1, 2]);
  });

  it('finds none in an empty metrics file', () => {
    expect(liveWorkerIds(emptyMetrics(), NOW, THRESHOLDS)).toEqual([]);
  });
});
