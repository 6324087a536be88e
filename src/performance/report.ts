import type { CostSum, Spend } from '../pause/budget.js';
import type { OutcomeReport } from './outcomes.js';
import { classifyHealth, type HealthState, type HealthThresholds } from '../health/classify.js';
import type { FleetMetrics } from '../health/health-store.js';
import { compareWorkers, splitWorkerKey, workerKey } from '../core/worker-ref.js';
import { emptyCost, type CostTotals, type HistorySummary, type TaskResult, type WorkerHistory } from './history-summary.js';

/** Queue depth as the backend reported it, or why it could not be asked. */
export type QueueState =
  | { readonly available: true; readonly backend: string; readonly pending: number; readonly running: number }
  | { readonly available: false; readonly reason: string };

export interface ReportInputs {
  readonly now: Date;
  /** Every host's workers, keyed `host/id`. */
  readonly metrics: FleetMetrics;
  readonly history: HistorySummary;
  readonly queue: QueueState;
  readonly thresholds: HealthThresholds;
  /** Spend per day and per parent; absent: the report has none. */
  readonly spend?: Spend;
  /** The pull requests' outcomes; absent: the pool has none followed. */
  readonly outcomes?: OutcomeReport;
}

export interface SpendRow {
  readonly usd: number;
  /** Runs whose agent reported no cost: unknown, not $0. */
  readonly unknown_cost_runs: number;
}

/** Days and parents, each with what the agents reported spending. */
export interface SpendReport {
  readonly today: string;
  readonly days: readonly (SpendRow & { readonly day: string })[];
  readonly parents: readonly (SpendRow & { readonly parent: string })[];
}

const spendRow = (sum: CostSum): SpendRow => ({ usd: round(sum.usd, 6), unknown_cost_runs: sum.unknown });

export function toSpendReport(spend: Spend): SpendReport {
  return {
    today: spend.today,
    days: [...spend.days].sort(([a], [b]) => a.localeCompare(b)).map(([day, sum]) => ({ day, ...spendRow(sum) })),
    parents: [...spend.parents]
      .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
      .map(([parent, sum]) => ({ parent, ...spendRow(sum) })),
  };
}

export interface CostReport {
  readonly tasks_with_cost: number;
  readonly total_usd: number;
  /** Average over the tasks that reported a cost; null when none did. */
  readonly per_task_usd: number | null;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly num_turns: number;
}

export interface WorkerRow {
  /** The host the worker runs on (WORKER_HOST). */
  readonly host: string;
  readonly id: number;
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly efficiency_percent: number;
  readonly restarts: number;
  /** The status the worker reported last, as in the shell tool's CSV. */
  readonly status: string;
  readonly health: HealthState;
  readonly current_task: string;
  /** Where the counters come from: metrics.json, or the history for a worker no longer in it. */
  readonly source: 'metrics' | 'history';
  readonly history: {
    readonly tasks: number;
    readonly results: Record<TaskResult, number>;
    readonly average_duration_s: number | null;
    readonly cost: CostReport;
  };
}

export interface PerformanceReport {
  readonly generated_at: string;
  readonly overall: {
    readonly tasks_processed: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly success_rate_percent: number | null;
    readonly failure_rate_percent: number | null;
    readonly restarts: number;
    readonly duration: {
      readonly tasks: number;
      readonly average_s: number | null;
      readonly median_s: number | null;
      readonly p90_s: number | null;
      readonly quantile_window: number;
    };
    readonly throughput_per_hour: { readonly last_hour: number; readonly last_day: number };
    readonly results: Record<TaskResult, number>;
  };
  readonly cost: CostReport;
  /** Spend per day of BUDGET_TZ and per parent issue. */
  readonly spend?: SpendReport;
  /** Per parent and overall: time to PR and to merge, follow-up rounds, share merged, cost per merged PR. */
  readonly outcomes?: OutcomeReport;
  readonly history: { readonly records: number; readonly invalid_lines: number };
  readonly queue: QueueState;
  readonly workers: readonly WorkerRow[];
  readonly duration_histogram: {
    readonly count: number;
    readonly sum_s: number;
    readonly buckets: readonly { readonly le_s: number | null; readonly count: number; readonly sum_s: number }[];
  };
}

export const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
const percent = (part: number, whole: number) => (whole === 0 ? 0 : round((part / whole) * 100, 1));
const seconds = (ms: number | null) => (ms === null ? null : round(ms / 1000, 1));

export function toCostReport(cost: CostTotals): CostReport {
  return {
    tasks_with_cost: cost.tasks_with_cost,
    total_usd: round(cost.cost_usd, 6),
    per_task_usd: cost.tasks_with_cost === 0 ? null : round(cost.cost_usd / cost.tasks_with_cost, 6),
    input_tokens: cost.input_tokens,
    output_tokens: cost.output_tokens,
    num_turns: cost.num_turns,
  };
}

function historyPart(history: WorkerHistory | undefined): WorkerRow['history'] {
  if (history === undefined) {
    return {
      tasks: 0,
      results: { success: 0, review: 0, failed: 0, cancelled: 0, unverified: 0 },
      average_duration_s: null,
      cost: toCostReport(emptyCost()),
    };
  }
  return {
    tasks: history.tasks,
    results: { ...history.results },
    average_duration_s: seconds(history.duration_ms_total / history.tasks),
    cost: toCostReport(history.cost),
  };
}

/**
 * One row per worker in metrics.json (its counters, as the shell tool reported them), plus one per
 * worker known only from the history, counted from it; a review ends a task without failing it.
 */
function buildWorkerRows({ metrics, history, now, thresholds }: ReportInputs): WorkerRow[] {
  const keys = new Set([...Object.keys(metrics.workers), ...history.workers.keys()]);
  return [...keys]
    .map(splitWorkerKey)
    .sort(compareWorkers)
    .map(({ host, id }): WorkerRow => {
      const record = metrics.workers[workerKey({ host, id })];
      const past = history.workers.get(workerKey({ host, id }));
      const succeeded = record ? record.tasks_completed : (past?.results.success ?? 0) + (past?.results.review ?? 0);
      const failed = record ? record.tasks_failed : (past?.results.failed ?? 0);
      return {
        host,
        id,
        tasks: succeeded + failed,
        succeeded,
        failed,
        efficiency_percent: percent(succeeded, succeeded + failed),
        restarts: record?.restarts ?? 0,
        status: record?.status ?? 'unknown',
        health: classifyHealth(record, now, thresholds),
        current_task: record?.current_task ?? 'none',
        source: record ? 'metrics' : 'history',
        history: historyPart(past),
      };
    });
}

/** The report every view and export renders: a pure function of its inputs. */
export function buildPerformanceReport(inputs: ReportInputs): PerformanceReport {
  const { history } = inputs;
  const workers = buildWorkerRows(inputs);
  const sum = (pick: (row: WorkerRow) => number) => workers.reduce((total, row) => total + pick(row), 0);
  const processed = sum((row) => row.tasks);
  const succeeded = sum((row) => row.succeeded);
  const failed = sum((row) => row.failed);
  const { duration } = history;
  return {
    generated_at: inputs.now.toISOString(),
    overall: {
      tasks_processed: processed,
      succeeded,
      failed,
      success_rate_percent: processed === 0 ? null : percent(succeeded, processed),
      failure_rate_percent: processed === 0 ? null : percent(failed, processed),
      restarts: sum((row) => row.restarts),
      duration: {
        tasks: duration.count,
        average_s: duration.count === 0 ? null : seconds(duration.total_ms / duration.count),
        median_s: seconds(duration.median_ms),
        p90_s: seconds(duration.p90_ms),
        quantile_window: duration.window,
      },
      throughput_per_hour: { last_hour: history.finished_last_hour, last_day: round(history.finished_last_day / 24, 2) },
      results: { ...history.results },
    },
    cost: toCostReport(history.cost),
    ...(inputs.spend === undefined ? {} : { spend: toSpendReport(inputs.spend) }),
    ...(inputs.outcomes === undefined ? {} : { outcomes: inputs.outcomes }),
    history: { records: history.records, invalid_lines: history.invalid },
    queue: inputs.queue,
    workers,
    duration_histogram: {
      count: duration.count,
      sum_s: round(duration.total_ms / 1000, 3),
      buckets: duration.buckets.map((bucket) => ({ le_s: bucket.le_s, count: bucket.count, sum_s: round(bucket.sum_ms / 1000, 3) })),
    },
  };
}
