import { Gauge, type Registry } from 'prom-client';
import type { OutcomeReport, OutcomeRow } from './outcomes.js';

const PREFIX = 'hybrid_workers_';

/**
 * The outcomes as gauges labelled by parent, `all` for the whole pool (quantiles do not add up, so
 * the overall figures are their own samples). A figure with nothing to measure, or a cost some run
 * of which is unknown, has no sample rather than a 0.
 */
export function registerOutcomes(registry: Registry, outcomes: OutcomeReport): void {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${PREFIX}${name}`, help, labelNames: ['parent', ...labelNames], registers: [registry] });
  const pulls = gauge('pull_requests', "The pool's pull requests by state (open, merged, closed).", ['state']);
  const mergedRatio = gauge('pull_requests_merged_ratio', 'Merged over merged + closed + open pull requests.');
  const toPr = gauge('time_to_pull_request_seconds', "From a sub-issue's first task start to its pull request opened.", ['quantile']);
  const toMerge = gauge('time_to_merge_seconds', 'From a pull request opened to merged.', ['quantile']);
  const rounds = gauge('pull_request_followup_rounds', 'Follow-ups per pull request (average), by kind.', ['kind']);
  const cost = gauge(
    'cost_per_merged_pull_request_usd',
    "Agents' reported cost of a merged pull request's sub-issue, follow-ups included, per merged pull request.",
  );
  const unknown = gauge('merged_pull_request_unknown_cost_runs', "Runs of merged pull requests' sub-issues whose agent reported no cost.");
  const add = (parent: string, row: OutcomeRow) => {
    pulls.set({ parent, state: 'open' }, row.open);
    pulls.set({ parent, state: 'merged' }, row.merged);
    pulls.set({ parent, state: 'closed' }, row.closed);
    mergedRatio.set({ parent }, row.merged_percent / 100);
    for (const [metric, q] of [
      [toPr, row.time_to_pr],
      [toMerge, row.time_to_merge],
    ] as const) {
      if (q.median_s !== null) metric.set({ parent, quantile: '0.5' }, q.median_s);
      if (q.p90_s !== null) metric.set({ parent, quantile: '0.9' }, q.p90_s);
    }
    rounds.set({ parent, kind: 'fix-ci' }, row.ci_rounds_per_pr);
    rounds.set({ parent, kind: 'address-review' }, row.review_rounds_per_pr);
    if (row.cost_per_merged_pr_usd !== null) cost.set({ parent }, row.cost_per_merged_pr_usd);
    unknown.set({ parent }, row.merged_unknown_cost_runs);
  };
  add('all', outcomes.overall);
  for (const row of outcomes.parents) add(row.parent, row);
}
