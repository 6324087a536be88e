import { describe, expect, it } from 'vitest';
import { buildAnalysis, recommendScaling } from '../../src/performance/analyze.js';
import type { HistorySummary } from '../../src/performance/history-summary.js';
import type { PerformanceReport, QueueState, WorkerRow } from '../../src/performance/report.js';
import { renderReport } from '../../src/performance/report-view.js';
import { buildReport } from '../../src/performance/commands.js';
import { fixtureContext } from './performance-fixture.js';

const noSlow: HistorySummary['slow'] = { threshold_ms: 900_000, count: 0, slowest: [] };

async function reportWith(workers: Partial<WorkerRow>[], queue: QueueState): Promise<PerformanceReport> {
  const base = await buildReport(fixtureContext('empty', queue));
  const template = (await buildReport(fixtureContext('basic'))).workers[1]!;
  return { ...base, workers: workers.map((worker, index) => ({ ...template, id: index + 1, ...worker })) };
}

const kinds = (report: PerformanceReport, cores = 8) => buildAnalysis(report, noSlow, cores).findings.map((finding) => finding.kind);

describe('analyze findings', () => {
  it('flags a failure rate above 30% and more than 3 restarts, not at the limits', async () => {
    const report = await reportWith(
      [
        { tasks: 10, succeeded: 7, failed: 3, restarts: 3 },
        { tasks: 10, succeeded: 6, failed: 4, restarts: 4 },
      ],
      { available: true, backend: 'embedded', pending: 0, running: 0 },
    );
    const analysis = buildAnalysis(report, noSlow, 8);
    expect(analysis.findings.map((finding) => [finding.kind, finding.numbers.worker])).toEqual([
      ['high-failure-rate', 2],
      ['frequent-restarts', 2],
    ]);
    expect(analysis.findings[0]?.numbers).toMatchObject({ failed: 4, tasks: 10, failure_rate_percent: 40 });
  });

  it('flags a backlog above 10 pending and idle workers while tasks wait', async () => {
    expect(kinds(await reportWith([{ health: 'working' }], { available: true, backend: 'embedded', pending: 10, running: 1 }))).toEqual([]);
    expect(kinds(await reportWith([{ health: 'healthy' }], { available: true, backend: 'embedded', pending: 11, running: 0 }))).toEqual([
      'queue-backlog',
      'idle-workers-with-backlog',
    ]);
  });

  it('flags more live workers than cores, ignoring dead ones', async () => {
    const report = await reportWith([{ health: 'working' }, { health: 'working' }, { health: 'dead' }], { available: true, backend: 'embedded', pending: 0, running: 2 });
    expect(kinds(report, 2)).toEqual([]);
    expect(kinds(report, 1)).toEqual(['more-workers-than-cores']);
  });

  it('flags slow finished tasks with the numbers behind them', async () => {
    const report = await reportWith([], { available: true, backend: 'embedded', pending: 0, running: 0 });
    const slowest = { ended_at: '2026-11-27T11:00:00.000Z', task_id: '7', parent: '1', worker_id: 1, result: 'success', attempts: 1, duration_ms: 1_800_000, error_class: null, cost_usd: null } as const;
    const [finding] = buildAnalysis(report, { threshold_ms: 900_000, count: 2, slowest: [slowest] }, 4).findings;
    expect(finding).toMatchObject({ kind: 'slow-tasks', numbers: { threshold_s: 900, finished_slow: 2, slowest_s: 1800 } });
  });
});

describe('scaling recommendation', () => {
  it.each([
    [4, 0, 8, 4, 'No tasks are waiting'],
    [4, 12, 8, 6, 'one more worker per 5'],
    [4, 30, 8, 8, 'capped at 8 CPU cores'],
    [0, 3, 8, 1, 'one more worker per 5'],
    [10, 0, 8, 8, 'exceed the 8 CPU cores'],
    [4, 4, 8, 4, 'do not call for more workers'],
    [8, 20, 8, 8, 'already at the 8 CPU cores'],
  ])('%i workers, %i pending, %i cores: %i', (current, pending, cores, recommended, reason) => {
    const result = recommendScaling(current, pending, cores);
    expect(result.recommended_workers).toBe(recommended);
    expect(result.reason).toContain(reason);
  });

  it('without a queue depth, bounds the pool by cores only', () => {
    expect(recommendScaling(3, null, 2)).toMatchObject({ recommended_workers: 2, pending: null });
  });
});

describe('efficiency colours', () => {
  it('green at 90% and above, yellow at 70%, red below, plain without colour', async () => {
    const report = await reportWith(
      [
        { tasks: 10, succeeded: 9, failed: 1, efficiency_percent: 90 },
        { tasks: 10, succeeded: 7, failed: 3, efficiency_percent: 70 },
        { tasks: 10, succeeded: 6, failed: 4, efficiency_percent: 60 },
      ],
      { available: true, backend: 'embedded', pending: 0, running: 0 },
    );
    const coloured = renderReport(report, { colorLevel: 1 });
    expect(coloured).toContain('\u001b[32m90.0%\u001b[39m');
    expect(coloured).toContain('\u001b[33m70.0%\u001b[39m');
    expect(coloured).toContain('\u001b[31m60.0%\u001b[39m');
    expect(renderReport(report, { colorLevel: 0 })).not.toContain('\u001b[');
  });
});
