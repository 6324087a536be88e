import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAnalysis, recommendScaling } from '../../src/performance/analyze.js';
import type { HistorySummary } from '../../src/performance/history-summary.js';
import type { PerformanceReport, QueueState, WorkerRow } from '../../src/performance/report.js';
import { renderReport } from '../../src/performance/report-view.js';
import { analyze, buildReport } from '../../src/performance/commands.js';
import { fixtureContext } from './performance-fixture.js';

const noSlow: HistorySummary['slow'] = { threshold_ms: 900_000, count: 0, slowest: [] };
const quiet: Pick<HistorySummary, 'slow' | 'auth_failures'> = { slow: noSlow, auth_failures: { count: 0, latest_at: null } };

async function reportWith(workers: Partial<WorkerRow>[], queue: QueueState): Promise<PerformanceReport> {
  const base = await buildReport(fixtureContext('empty', queue));
  const template = (await buildReport(fixtureContext('basic'))).workers[1]!;
  return { ...base, workers: workers.map((worker, index) => ({ ...template, id: index + 1, ...worker })) };
}

/** A worker's history part with these results. */
const historyOf = (success: number, review: number, failed: number, cancelled = 0): WorkerRow['history'] => ({
  tasks: success + review + failed + cancelled,
  results: { success, review, failed, cancelled, unverified: 0 },
  average_duration_s: 60,
  cost: { tasks_with_cost: 0, total_usd: 0, per_task_usd: null, input_tokens: 0, output_tokens: 0, num_turns: 0 },
});

const kinds = (report: PerformanceReport, cores = 8) => buildAnalysis(report, quiet, cores).findings.map((finding) => finding.kind);

describe('analyze findings', () => {
  it('flags a failure rate above 30% and more than 3 restarts, not at the limits', async () => {
    const report = await reportWith(
      [
        { tasks: 10, succeeded: 7, failed: 3, restarts: 3, history: historyOf(7, 0, 3) },
        { tasks: 10, succeeded: 6, failed: 4, restarts: 4, history: historyOf(6, 0, 4) },
      ],
      { available: true, backend: 'embedded', pending: 0, running: 0 },
    );
    const analysis = buildAnalysis(report, quiet, 8);
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
    const report = await reportWith([{ health: 'working' }, { health: 'working' }, { health: 'dead' }], {
      available: true,
      backend: 'embedded',
      pending: 0,
      running: 2,
    });
    expect(kinds(report, 2)).toEqual([]);
    expect(kinds(report, 1)).toEqual(['more-workers-than-cores']);
  });

  it('does not count a review as a failure: the history says what failed, the counters count reviews too', async () => {
    const report = await reportWith(
      [
        { tasks: 10, succeeded: 5, failed: 5, history: historyOf(5, 4, 1) },
        { tasks: 10, succeeded: 5, failed: 5, history: historyOf(5, 1, 4) },
      ],
      { available: true, backend: 'embedded', pending: 0, running: 0 },
    );
    const findings = buildAnalysis(report, quiet, 8).findings;
    expect(findings.map((finding) => [finding.kind, finding.numbers.worker])).toEqual([['high-failure-rate', 2]]);
    expect(findings[0]?.message).toBe('Worker 2 failed 4 of 10 tasks in the task history (40%, above 30%).');
    const counted = await reportWith([{ tasks: 10, succeeded: 5, failed: 5, history: historyOf(0, 0, 0) }], {
      available: true,
      backend: 'embedded',
      pending: 0,
      running: 0,
    });
    expect(buildAnalysis(counted, quiet, 8).findings[0]?.message).toBe(
      'Worker 1 failed 5 of 10 tasks by its health counters, which count reviews as failures (50%, above 30%).',
    );
  });

  it('leaves tasks a person cancelled out of the failure rate: 3 failed of 7, not of 10', async () => {
    const report = await reportWith([{ tasks: 7, succeeded: 4, failed: 3, history: historyOf(4, 0, 3, 3) }], {
      available: true,
      backend: 'embedded',
      pending: 0,
      running: 0,
    });
    expect(buildAnalysis(report, quiet, 8).findings[0]?.message).toBe(
      'Worker 1 failed 3 of 7 tasks in the task history (42.9%, above 30%).',
    );
  });

  it('does not count drained (stopped) workers as running, even with a recent heartbeat', async () => {
    const report = await reportWith(
      [
        { status: 'working', health: 'working' },
        { status: 'stopped', health: 'unresponsive' },
        { status: 'stopped', health: 'unresponsive' },
        { status: 'idle', health: 'healthy' },
      ],
      { available: true, backend: 'embedded', pending: 0, running: 1 },
    );
    const analysis = buildAnalysis(report, quiet, 1);
    expect(analysis.findings.find((finding) => finding.kind === 'more-workers-than-cores')?.message).toBe(
      '2 workers are running on 1 CPU cores.',
    );
    expect(analysis.scaling.current_workers).toBe(2);
    expect(buildAnalysis(report, quiet, 2).findings.map((finding) => finding.kind)).not.toContain('more-workers-than-cores');
    // Claude Code's workers mostly wait on a remote API: no finding and no advice to scale down to the cores.
    const agents = buildAnalysis(report, quiet, 1, undefined, false);
    expect(agents.findings.map((finding) => finding.kind)).not.toContain('more-workers-than-cores');
    expect(agents.scaling.recommended_workers).toBe(2);
    expect(agents.scaling.reason).not.toMatch(/cores/);
  });

  it('names only log files that exist', async () => {
    const report = await reportWith([{ tasks: 10, failed: 6, succeeded: 4, restarts: 5, history: historyOf(4, 0, 6) }], {
      available: true,
      backend: 'embedded',
      pending: 0,
      running: 0,
    });
    const none = buildAnalysis(report, quiet, 8).findings.map((finding) => finding.recommendation);
    expect(none).toEqual([
      'See the error classes of its failed tasks in worker-performance timeline.',
      "See worker-manager status for worker 1's health and restarts; no log records why it stopped.",
    ]);
    const files = { errorLogs: new Map([['fixture-host/1', '/data/errors/worker-1.log']]), managerLog: '/data/manager.log' };
    expect(buildAnalysis(report, quiet, 8, files).findings.map((finding) => finding.recommendation)).toEqual([
      'See the error classes of its failed tasks in worker-performance timeline, and each failed attempt in /data/errors/worker-1.log.',
      'Look in /data/manager.log and /data/errors/worker-1.log for why worker 1 keeps stopping.',
    ]);
  });

  it('says to log in when tasks failed on authentication', async () => {
    const report = await reportWith([{ status: 'idle', health: 'healthy' }], {
      available: true,
      backend: 'embedded',
      pending: 0,
      running: 0,
    });
    const [finding] = buildAnalysis(report, { ...quiet, auth_failures: { count: 2, latest_at: '2026-11-27T11:00:00.000Z' } }, 8).findings;
    expect(finding).toMatchObject({ kind: 'auth-failures', numbers: { tasks: 2 } });
    expect(finding?.message).toBe(
      '2 task(s) failed because the agent could not authenticate (auth_error), the latest at 2026-11-27T11:00:00.000Z.',
    );
    expect(finding?.recommendation).toMatch(/^Log in again .*then run worker-manager resume/);
  });

  it('finds auth failures in the history and points to the errors logs present in the data root', async () => {
    const context = fixtureContext('basic');
    appendFileSync(
      context.paths.historyFile,
      `${JSON.stringify({ version: 1, task_id: '1299', parent: '12', worker_id: 2, attempts: 1, started_at: '2026-11-27T10:00:00.000Z', ended_at: '2026-11-27T10:00:05.000Z', result: 'failed', error_class: 'auth_error', error: 'auth_error: Not logged in (not retried)' })}\n`,
    );
    mkdirSync(context.paths.errorsDir, { recursive: true });
    writeFileSync(join(context.paths.errorsDir, 'worker-3.log'), 'task 1203 attempt 1: agent_error: exit 1\n');
    const analysis = await analyze(context);
    expect(analysis.findings[0]).toMatchObject({ kind: 'auth-failures', numbers: { tasks: 1 } });
    const named = analysis.findings.flatMap((finding) => `${finding.message} ${finding.recommendation}`.match(/\/\S+\.log/g) ?? []);
    expect(named).toContain(join(context.paths.errorsDir, 'worker-3.log'));
    expect(named.filter((file) => !existsSync(file))).toEqual([]);
  });

  it('flags slow finished tasks with the numbers behind them', async () => {
    const report = await reportWith([], { available: true, backend: 'embedded', pending: 0, running: 0 });
    const slowest = {
      ended_at: '2026-11-27T11:00:00.000Z',
      task_id: '7',
      parent: '1',
      host: 'local',
      worker_id: 1,
      result: 'success',
      attempts: 1,
      duration_ms: 1_800_000,
      error_class: null,
      cost_usd: null,
    } as const;
    const [finding] = buildAnalysis(report, { ...quiet, slow: { threshold_ms: 900_000, count: 2, slowest: [slowest] } }, 4).findings;
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

  it('for agents that wait on a remote API, the cores cap nothing', () => {
    expect(recommendScaling(8, 20, 2, false)).toMatchObject({ recommended_workers: 12 });
    expect(recommendScaling(8, 0, 2, false)).toMatchObject({ recommended_workers: 8, reason: 'No tasks are waiting; the pool size fits.' });
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
