import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/performance/export-csv.js';
import { HistoryAccumulator } from '../../src/performance/history-summary.js';
import { buildPerformanceReport } from '../../src/performance/report.js';
import { renderReport } from '../../src/performance/report-view.js';
import { renderTimeline } from '../../src/performance/timeline-view.js';
import { buildTimeline } from '../../src/performance/timeline.js';

const NOW = new Date('2026-11-27T12:00:00.000Z');
const thresholds = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 900_000 };
const record = (task: string, host: string | undefined, workerId: number) => ({
  task_id: task,
  parent: '9',
  worker_id: workerId,
  attempts: 1,
  result: 'success' as const,
  error_class: null,
  ...(host === undefined ? {} : { host }),
  endedAt: NOW.getTime() - 60_000,
  durationMs: 30_000,
});
const worker = {
  status: 'idle',
  current_task: 'none',
  tasks_completed: 1,
  tasks_failed: 0,
  restarts: 0,
  last_heartbeat: NOW.toISOString(),
};

/** The report and timeline of `records`, with these workers' health records, as this host 'here'. */
function viewsOf(records: ReturnType<typeof record>[], workers: Record<string, typeof worker>) {
  const history = new HistoryAccumulator({ now: NOW, since: new Date(0), timelineLimit: 10, slowTaskThresholdMs: 900_000, host: 'here' });
  for (const one of records) history.add(one);
  const summary = history.summary();
  const stats = { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 };
  const report = buildPerformanceReport({
    now: NOW,
    thresholds,
    metrics: { workers, stats },
    history: summary,
    queue: { available: false, reason: 'none' },
  });
  return { report, timeline: buildTimeline(NOW, summary) };
}

describe('performance views of several hosts', () => {
  it('count each host’s worker 1 apart; a record without host is this host’s', () => {
    const { report } = viewsOf([record('1', undefined, 1), record('2', 'there', 1), record('3', 'there', 1)], {
      'here/1': worker,
      'there/1': { ...worker, tasks_completed: 2 },
    });
    expect(report.workers.map((row) => [row.host, row.id, row.history.tasks])).toEqual([
      ['here', 1, 1],
      ['there', 1, 2],
    ]);
  });

  it('add a Host column to the report, the timeline and the CSV only when there are several hosts', () => {
    const fleet = viewsOf([record('1', undefined, 1), record('2', 'there', 1)], { 'here/1': worker, 'there/1': worker });
    expect(renderReport(fleet.report, { colorLevel: 0 })).toMatch(/│ Host\s+│ Worker │/);
    expect(renderReport(fleet.report, { colorLevel: 0 })).toMatch(/│ there\s+│\s+1 │/);
    expect(renderTimeline(fleet.timeline, { colorLevel: 0 })).toMatch(/│ Parent │ Host\s+│ Worker │/);
    const csv = renderCsv(fleet.report).split('\n');
    expect(csv[0]).toBe('Worker ID,Tasks Completed,Tasks Failed,Total Tasks,Efficiency %,Restarts,Current Status,Host');
    expect(csv[2]).toBe('1,1,0,1,100,0,idle,there');

    const one = viewsOf([record('1', undefined, 1)], { 'here/1': worker });
    expect(renderReport(one.report, { colorLevel: 0 })).not.toContain('Host');
    expect(renderTimeline(one.timeline, { colorLevel: 0 })).not.toContain('Host');
    expect(renderCsv(one.report).split('\n')[0]).toBe(
      'Worker ID,Tasks Completed,Tasks Failed,Total Tasks,Efficiency %,Restarts,Current Status',
    );
  });
});
