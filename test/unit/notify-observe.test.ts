import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { emptyManagerState, newWorkerEntry } from '../../src/health/manager-state.js';
import { observe } from '../../src/notify/observe.js';
import { HourlyChart } from '../../src/web/hourly-chart.js';
import type { Metrics } from '../../src/health/metrics-schema.js';

const NOW = new Date('2026-12-01T10:30:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const MINUTE = 60_000;

describe('a look at the pool for notifications', () => {
  it('a stall is measured from the later of the last progress and the task start', async () => {
    const worker = (progress: string | null, started: string) => ({
      last_heartbeat: ago(1000),
      status: 'working',
      current_task: '7',
      tasks_completed: 0,
      tasks_failed: 0,
      restarts: 0,
      task_started_at: started,
      last_progress_at: progress,
    });
    const metrics = {
      version: 1,
      stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 },
      workers: {
        1: worker(ago(20 * MINUTE), ago(30 * MINUTE)),
        2: worker(ago(60 * MINUTE), ago(2 * MINUTE)),
        3: worker(null, ago(16 * MINUTE)),
      },
    } as unknown as Metrics;
    const state = emptyManagerState();
    state.workers['2'] = { ...newWorkerEntry(), restarts: 3, gave_up: true };
    const look = await observe(
      { metrics: async () => metrics, managerState: async () => state, pause: async () => null, activeTasks: async () => 4 },
      DEFAULT_SETTINGS,
      NOW,
    );
    expect(look.workers['1']).toMatchObject({ stalled: true, health: 'slow' });
    expect(look.workers['2']).toMatchObject({ stalled: false, restarts: 3, gave_up: true });
    expect(look.workers['3']!.stalled).toBe(true);
    expect(look.active_tasks).toBe(4);
  });
});

describe('the dashboard chart', () => {
  it("counts finished and failed tasks per hour over the last 24 hours, and today's cost", () => {
    const chart = new HourlyChart(NOW);
    const record = (endedAgoMs: number, result: 'success' | 'failed', cost?: number) =>
      chart.add({
        task_id: '1',
        parent: '1',
        worker_id: 1,
        attempts: 1,
        result,
        error_class: null,
        endedAt: NOW.getTime() - endedAgoMs,
        durationMs: 1000,
        cost_usd: cost,
        input_tokens: undefined,
        output_tokens: undefined,
        num_turns: undefined,
      });
    record(5 * MINUTE, 'success', 0.5);
    record(10 * MINUTE, 'failed', 0.25);
    record(90 * MINUTE, 'success');
    record(11 * 60 * MINUTE, 'success', 2); // yesterday (UTC): not in today's cost
    record(25 * 60 * MINUTE, 'success'); // outside the chart
    const buckets = chart.buckets();
    expect(buckets).toHaveLength(24);
    expect(buckets[23]).toEqual({ start: '2026-12-01T10:00:00.000Z', finished: 2, failed: 1 });
    expect(buckets[22]).toEqual({ start: '2026-12-01T09:00:00.000Z', finished: 1, failed: 0 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.finished, 0)).toBe(4);
    expect(chart.costTodayUsd).toBeCloseTo(0.75, 9);
  });
});
