import type { PerformanceRecord } from '../history/history-record.js';
import type { WatchedPull } from '../github/pull-request-watcher.js';

/*
 * Outcomes, not just activity (docs/SPEC.md section 14.5): per parent and overall, how long from a
 * sub-issue's first start to its pull request, from the pull request to its merge, how many CI and
 * review follow-ups each took, the share merged, and what a merged pull request cost. Pure: the
 * history and the watcher's file in, numbers out.
 */

/** What the outcomes read of the watcher's record of one pull request. */
export type OutcomePull = Pick<WatchedPull, 'task_id' | 'parent' | 'pr_number' | 'state' | 'opened_at' | 'merged_at' | 'followups'>;

/** The history's part, per sub-issue with a followed pull request. */
interface SubIssueRuns {
  firstStartMs: number;
  usd: number;
  /** Runs of its agent that reported no cost: unknown, never $0. */
  unknown: number;
  /** The end of the first run that named each pull request: when it was opened, if GitHub did not say. */
  readonly deliveredMs: Map<number, number>;
}

const keyOf = (parent: string, task: string) => `${parent}#${task}`;

/** Sums the history's runs of the followed sub-issues (the history is streamed, record by record). */
export class OutcomeTally {
  private readonly runs = new Map<string, SubIssueRuns>();

  constructor(private readonly pulls: readonly OutcomePull[]) {
    for (const pull of pulls)
      this.runs.set(keyOf(pull.parent, pull.task_id), { firstStartMs: Infinity, usd: 0, unknown: 0, deliveredMs: new Map() });
  }

  add(record: PerformanceRecord): void {
    // Most histories outside GitHub mode: no key to build per record.
    if (this.runs.size === 0) return;
    const runs = this.runs.get(keyOf(record.parent, record.task_id));
    if (runs === undefined) return;
    runs.firstStartMs = Math.min(runs.firstStartMs, record.endedAt - record.durationMs);
    if (record.pr_number !== undefined && !runs.deliveredMs.has(record.pr_number)) runs.deliveredMs.set(record.pr_number, record.endedAt);
    // As the budget counts (src/pause/budget.ts): a run that never started its agent spent nothing.
    if (record.cost_usd !== undefined) runs.usd += record.cost_usd;
    else if (record.attempts > 0) runs.unknown += 1;
  }

  result(): OutcomeReport | undefined {
    return computeOutcomes(this.pulls, this.runs);
  }
}

export interface Quantiles {
  /** Pull requests measured. */
  readonly count: number;
  readonly median_s: number | null;
  /** Only where there are several. */
  readonly p90_s: number | null;
}

export interface OutcomeRow {
  readonly pull_requests: number;
  readonly open: number;
  readonly merged: number;
  readonly closed: number;
  /** merged / (merged + closed + open), in percent. */
  readonly merged_percent: number;
  /** From the sub-issue's first task start to its pull request opened. */
  readonly time_to_pr: Quantiles;
  /** From the pull request opened to merged. */
  readonly time_to_merge: Quantiles;
  /** fix-ci and address-review follow-ups per pull request (average). */
  readonly ci_rounds_per_pr: number;
  readonly review_rounds_per_pr: number;
  /** Every run of the merged pull requests' sub-issues, follow-ups included. */
  readonly merged_cost_usd: number;
  readonly merged_unknown_cost_runs: number;
  /** merged_cost_usd / merged; null when nothing merged or a run's cost is unknown (never a $0 guess). */
  readonly cost_per_merged_pr_usd: number | null;
}

export interface OutcomeReport {
  readonly overall: OutcomeRow;
  readonly parents: readonly (OutcomeRow & { readonly parent: string })[];
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The nearest-rank quantile of sorted values. */
const rank = (sorted: readonly number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

export function quantiles(valuesMs: readonly number[]): Quantiles {
  const sorted = [...valuesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    median_s: sorted.length === 0 ? null : round(rank(sorted, 0.5) / 1000, 1),
    p90_s: sorted.length < 2 ? null : round(rank(sorted, 0.9) / 1000, 1),
  };
}

interface Measured {
  readonly pull: OutcomePull;
  readonly runs: SubIssueRuns | undefined;
}

function row(measured: readonly Measured[]): OutcomeRow {
  const count = (state: string) => measured.filter(({ pull }) => pull.state === state).length;
  const merged = count('merged');
  const closed = count('closed');
  const open = measured.length - merged - closed;
  const toPr: number[] = [];
  const toMerge: number[] = [];
  let ci = 0;
  let review = 0;
  let usd = 0;
  let unknown = 0;
  for (const { pull, runs } of measured) {
    const opened = Date.parse(pull.opened_at ?? '') || runs?.deliveredMs.get(pull.pr_number);
    if (opened !== undefined && runs !== undefined && Number.isFinite(runs.firstStartMs))
      toPr.push(Math.max(0, opened - runs.firstStartMs));
    const mergedAt = Date.parse(pull.merged_at ?? '');
    if (pull.state === 'merged' && opened !== undefined && !Number.isNaN(mergedAt)) toMerge.push(Math.max(0, mergedAt - opened));
    ci += pull.followups?.counts['fix-ci'] ?? 0;
    review += pull.followups?.counts['address-review'] ?? 0;
    if (pull.state === 'merged') {
      usd += runs?.usd ?? 0;
      // A merged pull request the history has no run of has an unknown cost too.
      unknown += runs === undefined || !Number.isFinite(runs.firstStartMs) ? 1 : runs.unknown;
    }
  }
  const perPr = (total: number) => (measured.length === 0 ? 0 : round(total / measured.length, 2));
  return {
    pull_requests: measured.length,
    open,
    merged,
    closed,
    merged_percent: measured.length === 0 ? 0 : round((merged / measured.length) * 100, 1),
    time_to_pr: quantiles(toPr),
    time_to_merge: quantiles(toMerge),
    ci_rounds_per_pr: perPr(ci),
    review_rounds_per_pr: perPr(review),
    merged_cost_usd: round(usd, 6),
    merged_unknown_cost_runs: unknown,
    cost_per_merged_pr_usd: merged === 0 || unknown > 0 ? null : round(usd / merged, 6),
  };
}

/** Undefined when the pool has no pull request followed: the report then has no outcomes part. */
export function computeOutcomes(pulls: readonly OutcomePull[], runs: ReadonlyMap<string, SubIssueRuns>): OutcomeReport | undefined {
  if (pulls.length === 0) return undefined;
  const measured = pulls.map((pull) => ({ pull, runs: runs.get(keyOf(pull.parent, pull.task_id)) }));
  const parents = [...new Set(pulls.map((pull) => pull.parent))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return {
    overall: row(measured),
    parents: parents.map((parent) => ({ parent, ...row(measured.filter(({ pull }) => pull.parent === parent)) })),
  };
}

/** Outcomes of a history given whole (tests, and any caller that holds the records). */
export function outcomesOf(pulls: readonly OutcomePull[], records: Iterable<PerformanceRecord>): OutcomeReport | undefined {
  const tally = new OutcomeTally(pulls);
  for (const record of records) tally.add(record);
  return tally.result();
}
