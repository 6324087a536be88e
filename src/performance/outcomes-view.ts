import { formatDuration } from '../core/duration.js';
import { formatUsd } from './format.js';
import type { OutcomeReport, OutcomeRow, Quantiles } from './outcomes.js';

const span = (q: Quantiles) =>
  q.median_s === null
    ? '-'
    : `median ${formatDuration(q.median_s * 1000)}${q.p90_s === null ? '' : `, p90 ${formatDuration(q.p90_s * 1000)}`} (${q.count})`;

/** The cost of a merged pull request, or why it is unknown: never $0 for a cost no agent reported. */
export function describeMergedCost(
  row: Pick<OutcomeRow, 'merged' | 'merged_cost_usd' | 'merged_unknown_cost_runs' | 'cost_per_merged_pr_usd'>,
): string {
  if (row.merged === 0) return '- (none merged)';
  if (row.cost_per_merged_pr_usd !== null) return formatUsd(row.cost_per_merged_pr_usd);
  return `unknown (${row.merged_unknown_cost_runs} run(s) reported no cost; ${formatUsd(row.merged_cost_usd)} known over ${row.merged} merged)`;
}

/** One line: the share merged, the two times, the follow-up rounds, the cost per merged pull request. */
export function describeOutcome(row: OutcomeRow): string {
  return (
    `${row.pull_requests} PR(s): ${row.merged} merged (${row.merged_percent}%), ${row.open} open, ${row.closed} closed; ` +
    `start to PR ${span(row.time_to_pr)}; PR to merge ${span(row.time_to_merge)}; ` +
    `rounds per PR: CI ${row.ci_rounds_per_pr}, review ${row.review_rounds_per_pr}; cost per merged PR ${describeMergedCost(row)}`
  );
}

/** `worker-performance report`'s outcome lines: overall, then one per parent (docs/SPEC.md section 14.5). */
export function outcomeLines(outcomes: OutcomeReport | undefined): string[] {
  if (outcomes === undefined) return [];
  return [
    `  Outcomes:    ${describeOutcome(outcomes.overall)}`,
    ...outcomes.parents.map((row) => `    parent #${row.parent}: ${describeOutcome(row)}`),
  ];
}
