import { describe, expect, it } from 'vitest';
import type { PerformanceRecord } from '../../src/history/history-record.js';
import { outcomesOf, quantiles, type OutcomePull } from '../../src/performance/outcomes.js';
import { describeOutcome, outcomeLines } from '../../src/performance/outcomes-view.js';
import { renderProm } from '../../src/performance/export-prom.js';
import { buildPerformanceReport } from '../../src/performance/report.js';
import { HistoryAccumulator } from '../../src/performance/history-summary.js';
import { emptyStats } from '../../src/health/metrics-schema.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../src/performance/commands.js';
import { performanceRecord } from '../helpers/performance-record.js';
import { watchedPull } from '../helpers/watched-pull.js';
import { fixtureContext } from './performance-fixture.js';

/*
 * docs/SPEC.md section 14.5: outcomes from the task history and the watcher's records. Times are
 * minutes after T0.
 */

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const run = (task: string, parent: string, startMin: number, endMin: number, extra: Partial<PerformanceRecord> = {}): PerformanceRecord =>
  performanceRecord({ task_id: task, parent, endedAt: T0 + endMin * 60_000, durationMs: (endMin - startMin) * 60_000, ...extra });

const pull = (task: string, parent: string, number: number, fields: Partial<OutcomePull>): OutcomePull => ({
  task_id: task,
  parent,
  pr_number: number,
  state: 'open',
  opened_at: null,
  merged_at: null,
  ...fields,
});

describe('pull request outcomes', () => {
  const pulls = [
    // Sub-issue 2: started at 0, PR at 10, one fix-ci round, merged at 70.
    pull('2', '1', 11, {
      state: 'merged',
      opened_at: at(10),
      merged_at: at(70),
      followups: { counts: { 'fix-ci': 1 }, acted_on: {}, rerun: [], told: [] },
    }),
    // Sub-issue 3: started at 5, PR at 35 (GitHub's time absent: the delivering run's end), merged at 95, one review round.
    pull('3', '1', 12, {
      state: 'merged',
      merged_at: at(95),
      followups: { counts: { 'address-review': 1 }, acted_on: {}, rerun: [], told: [] },
    }),
    // Sub-issue 4 of parent 1: closed unmerged. Sub-issue 8 of parent 7: still open.
    pull('4', '1', 13, { state: 'closed', opened_at: at(20) }),
    pull('8', '7', 14, { state: 'ready', opened_at: at(40) }),
  ];
  const history = [
    run('2', '1', 0, 10, { cost_usd: 1.5, pr_number: 11 }),
    run('2', '1', 40, 50, { cost_usd: 0.5, pr_number: 11 }), // the fix-ci follow-up
    run('3', '1', 5, 35, { cost_usd: 2, pr_number: 12 }),
    run('3', '1', 60, 65, { cost_usd: 1, pr_number: 12 }),
    run('4', '1', 0, 20, { cost_usd: 4, pr_number: 13 }),
    run('8', '7', 30, 40, { pr_number: 14 }),
    run('99', '1', 0, 1, { cost_usd: 100 }), // no pull request followed: not an outcome
  ];

  it('per parent and overall: times to PR and to merge, rounds, share merged, cost per merged PR', () => {
    const outcomes = outcomesOf(pulls, history)!;
    expect(outcomes.overall).toMatchObject({ pull_requests: 4, merged: 2, closed: 1, open: 1, merged_percent: 50 });
    const parent = outcomes.parents.find((row) => row.parent === '1')!;
    // Starts to PRs: 10, 30, 20 minutes.
    expect(parent.time_to_pr).toEqual({ count: 3, median_s: 1200, p90_s: 1800 });
    // PR to merge: 60 minutes each.
    expect(parent.time_to_merge).toEqual({ count: 2, median_s: 3600, p90_s: 3600 });
    expect(parent).toMatchObject({ merged_percent: 66.7, ci_rounds_per_pr: 0.33, review_rounds_per_pr: 0.33 });
    // Every run of the merged sub-issues, follow-ups included: (1.5 + 0.5 + 2 + 1) / 2.
    expect(parent).toMatchObject({ merged_cost_usd: 5, merged_unknown_cost_runs: 0, cost_per_merged_pr_usd: 2.5 });
    expect(outcomes.parents.map((row) => row.parent)).toEqual(['1', '7']);
    expect(outcomes.parents[1]).toMatchObject({
      pull_requests: 1,
      merged: 0,
      cost_per_merged_pr_usd: null,
      time_to_pr: { count: 1, median_s: 600, p90_s: null },
    });
  });

  it('a merged PR with a run of unknown cost makes the cost per merged PR unknown, said so, never $0', () => {
    const outcomes = outcomesOf(
      [pull('5', '1', 21, { state: 'merged', opened_at: at(10), merged_at: at(20) })],
      [run('5', '1', 0, 10, { pr_number: 21 }), run('5', '1', 12, 15, { cost_usd: 0.25 })],
    )!;
    expect(outcomes.overall).toMatchObject({ merged: 1, merged_cost_usd: 0.25, merged_unknown_cost_runs: 1, cost_per_merged_pr_usd: null });
    expect(describeOutcome(outcomes.overall)).toContain(
      'cost per merged PR unknown (1 run(s) reported no cost; $0.2500 known over 1 merged)',
    );
    expect(describeOutcome(outcomes.overall)).not.toContain('$0.00');
  });

  it('a merged PR the history has no run of has an unknown cost too', () => {
    const outcomes = outcomesOf([pull('6', '1', 22, { state: 'merged', opened_at: at(1), merged_at: at(2) })], [])!;
    expect(outcomes.overall).toMatchObject({ merged_unknown_cost_runs: 1, cost_per_merged_pr_usd: null });
  });

  it('no pull request followed: no outcomes at all (the report and exports stay as before)', () => {
    expect(outcomesOf([], history)).toBeUndefined();
    expect(outcomeLines(undefined)).toEqual([]);
  });

  it('median and p90 by nearest rank; p90 only where there are several', () => {
    expect(quantiles([])).toEqual({ count: 0, median_s: null, p90_s: null });
    expect(quantiles([5000])).toEqual({ count: 1, median_s: 5, p90_s: null });
    expect(quantiles(Array.from({ length: 10 }, (_, index) => (10 - index) * 1000))).toEqual({ count: 10, median_s: 5, p90_s: 9 });
  });

  it('the report text and the Prometheus export carry them; an unknown cost has no sample', async () => {
    const outcomes = outcomesOf(pulls, history)!;
    const report = buildPerformanceReport({
      now: new Date(at(200)),
      metrics: { workers: {}, stats: emptyStats() },
      history: new HistoryAccumulator({
        now: new Date(at(200)),
        since: new Date(0),
        timelineLimit: 0,
        slowTaskThresholdMs: 900_000,
        host: 'here',
      }).summary(),
      queue: { available: false, reason: 'test' },
      thresholds: { LOCK_STALE_TIMEOUT: 600, DEAD_WORKER_THRESHOLD: 300 } as never,
      outcomes,
    });
    expect(outcomeLines(report.outcomes)[0]).toMatch(
      /^ {2}Outcomes: {4}4 PR\(s\): 2 merged \(50%\), 1 open, 1 closed; start to PR median 10m00s, p90 30m00s \(4\); PR to merge median 1h00m, p90 1h00m \(2\); rounds per PR: CI 0.25, review 0.25; cost per merged PR \$2.50$/,
    );
    const prom = await renderProm(report);
    expect(prom).toContain('hybrid_workers_pull_requests{parent="all",state="merged"} 2');
    expect(prom).toContain('hybrid_workers_pull_requests_merged_ratio{parent="all"} 0.5');
    expect(prom).toContain('hybrid_workers_time_to_merge_seconds{parent="1",quantile="0.5"} 3600');
    expect(prom).toContain('hybrid_workers_pull_request_followup_rounds{parent="1",kind="fix-ci"} 0.33');
    expect(prom).toContain('hybrid_workers_cost_per_merged_pull_request_usd{parent="1"} 2.5');
    expect(prom).not.toMatch(/hybrid_workers_cost_per_merged_pull_request_usd\{parent="7"\}/);
  });

  it('reads a watch file written before outcomes were kept (no opened or merged time): the times are left unmeasured, the rest is counted', async () => {
    const context = fixtureContext('basic');
    mkdirSync(join(context.paths.root, 'github'));
    // The fixture's task 1101 of parent 100 ran 09:00 to 09:04; its record named no pull request, so
    // the time to PR is unknown, but the share merged and the cost are known.
    const pull = watchedPull('1101', 5, {
      parent: '100',
      pr_url: 'https://github.com/octo/widgets/pull/5',
      state: 'merged',
      checks: 'passing',
      last_change_at: '2026-11-26T10:00:00Z',
      checked_at: '2026-11-26T10:00:00Z',
      next_poll_at: '2026-11-26T10:00:30Z',
    });
    writeFileSync(join(context.paths.root, 'github', 'pull-requests.json'), JSON.stringify({ version: 1, pulls: { '1101': pull } }));
    const report = await buildReport(context);
    expect(report.outcomes?.overall).toMatchObject({
      pull_requests: 1,
      merged: 1,
      merged_percent: 100,
      time_to_pr: { count: 0, median_s: null, p90_s: null },
      time_to_merge: { count: 0, median_s: null, p90_s: null },
      cost_per_merged_pr_usd: 0.21,
    });
  });
});
