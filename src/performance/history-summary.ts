import type { TaskHistoryRecord } from '../history/task-history.js';
import { compareWorkers, splitWorkerKey, workerKey } from '../core/worker-ref.js';
import type { HistoryVisitor } from '../history/history-reader.js';
import type { PerformanceRecord } from '../history/history-record.js';
import { DurationWindow } from './duration-window.js';
import { TopN } from './top-n.js';

export type TaskResult = TaskHistoryRecord['result'];

export interface CostTotals {
  /** Tasks whose record carried a cost (agents that do not report one are left out of averages). */
  tasks_with_cost: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
  num_turns: number;
}

export interface WorkerHistory {
  tasks: number;
  results: Record<TaskResult, number>;
  duration_ms_total: number;
  cost: CostTotals;
}

export interface TimelineEntry {
  readonly ended_at: string;
  readonly task_id: string;
  readonly parent: string;
  readonly host: string;
  readonly worker_id: number;
  readonly result: TaskResult;
  readonly attempts: number;
  readonly duration_ms: number;
  readonly error_class: string | null;
  readonly cost_usd: number | null;
  /** GitHub mode only. */
  readonly pr_number?: number;
  readonly pr_url?: string;
}

/** Counts per duration bucket (not cumulative); `le_s` null is the overflow bucket (+Inf). */
export interface DurationBucket {
  readonly le_s: number | null;
  count: number;
  sum_ms: number;
}

export interface HistorySummary {
  readonly records: number;
  readonly invalid: number;
  readonly results: Record<TaskResult, number>;
  readonly duration: {
    readonly count: number;
    readonly total_ms: number;
    /** Median and p90 are over the most recent `window` tasks, so memory stays bounded. */
    readonly window: number;
    readonly median_ms: number | null;
    readonly p90_ms: number | null;
    readonly buckets: readonly DurationBucket[];
  };
  readonly finished_last_hour: number;
  readonly finished_last_day: number;
  readonly cost: CostTotals;
  /** Keyed `host/id` (core/worker-ref.ts). */
  readonly workers: ReadonlyMap<string, WorkerHistory>;
  readonly timeline: { readonly since: string; readonly matching: number; readonly entries: readonly TimelineEntry[] };
  readonly slow: { readonly threshold_ms: number; readonly count: number; readonly slowest: readonly TimelineEntry[] };
  /** Tasks that failed on authentication (auth_error), and when the latest one ended. */
  readonly auth_failures: { readonly count: number; readonly latest_at: string | null };
}

export interface HistorySummaryOptions {
  readonly now: Date;
  /** Start of the timeline window. */
  readonly since: Date;
  readonly timelineLimit: number;
  readonly slowTaskThresholdMs: number;
  readonly durationWindow?: number;
  /** The host of records that name none (a history file's): this host. */
  readonly host: string;
}

export const DURATION_BUCKETS_S = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400] as const;
export const DEFAULT_DURATION_WINDOW = 10_000;
const SLOWEST_SHOWN = 5;
const HOUR_MS = 3_600_000;

export const emptyCost = (): CostTotals => ({ tasks_with_cost: 0, cost_usd: 0, input_tokens: 0, output_tokens: 0, num_turns: 0 });
const emptyResults = (): Record<TaskResult, number> => ({ success: 0, review: 0, failed: 0, cancelled: 0, unverified: 0 });

function addCost(totals: CostTotals, record: PerformanceRecord): void {
  if (record.cost_usd !== undefined) {
    totals.tasks_with_cost += 1;
    totals.cost_usd += record.cost_usd;
  }
  totals.input_tokens += record.input_tokens ?? 0;
  totals.output_tokens += record.output_tokens ?? 0;
  totals.num_turns += record.num_turns ?? 0;
}

const BUCKET_LIMITS_MS = DURATION_BUCKETS_S.map((seconds) => seconds * 1000);

/** The bucket a duration falls in; past the last limit it is the overflow bucket. */
function bucketIndex(durationMs: number): number {
  let index = 0;
  while (index < BUCKET_LIMITS_MS.length && durationMs > BUCKET_LIMITS_MS[index]!) index += 1;
  return index;
}

const toEntry = (record: PerformanceRecord, host: string): TimelineEntry => ({
  ended_at: new Date(record.endedAt).toISOString(),
  task_id: record.task_id,
  parent: record.parent,
  host: record.host ?? host,
  worker_id: record.worker_id,
  result: record.result,
  attempts: record.attempts,
  duration_ms: record.durationMs,
  error_class: record.error_class,
  cost_usd: record.cost_usd ?? null,
  ...(record.pr_url === undefined ? {} : { pr_number: record.pr_number!, pr_url: record.pr_url }),
});

/**
 * Folds history records into a summary whose size depends on the number of workers and the
 * configured windows, never on the number of records.
 */
export class HistoryAccumulator implements HistoryVisitor {
  private records = 0;
  private invalid = 0;
  private readonly results = emptyResults();
  private durationTotal = 0;
  private readonly buckets: DurationBucket[] = [...DURATION_BUCKETS_S, null].map((le_s) => ({ le_s, count: 0, sum_ms: 0 }));
  private readonly window: DurationWindow;
  private lastHour = 0;
  private lastDay = 0;
  private readonly cost = emptyCost();
  private readonly workers = new Map<string, WorkerHistory>();
  private timelineMatching = 0;
  /** Newest first; ties keep the later line first. */
  private readonly timeline: TopN<PerformanceRecord>;
  private slowCount = 0;
  private authFailures = 0;
  private latestAuthFailure = Number.NEGATIVE_INFINITY;
  private readonly slowest = new TopN<PerformanceRecord>(SLOWEST_SHOWN, (record) => record.durationMs);
  /** The options as milliseconds, worked out once rather than for each of many records. */
  private readonly limits: { readonly hourAgo: number; readonly dayAgo: number; readonly since: number; readonly slow: number };

  constructor(private readonly options: HistorySummaryOptions) {
    this.window = new DurationWindow(options.durationWindow ?? DEFAULT_DURATION_WINDOW);
    this.timeline = new TopN(options.timelineLimit, (record) => record.endedAt);
    const now = options.now.getTime();
    this.limits = { hourAgo: now - HOUR_MS, dayAgo: now - 24 * HOUR_MS, since: options.since.getTime(), slow: options.slowTaskThresholdMs };
  }

  skip(): void {
    this.invalid += 1;
  }

  add(record: PerformanceRecord): void {
    const { limits } = this;
    this.records += 1;
    this.results[record.result] += 1;
    this.durationTotal += record.durationMs;
    this.window.push(record.durationMs);
    const bucket = this.buckets[bucketIndex(record.durationMs)]!;
    bucket.count += 1;
    bucket.sum_ms += record.durationMs;
    if (record.endedAt >= limits.hourAgo) this.lastHour += 1;
    if (record.endedAt >= limits.dayAgo) this.lastDay += 1;
    addCost(this.cost, record);
    this.addToWorker(record);
    if (record.endedAt >= limits.since) {
      this.timelineMatching += 1;
      this.timeline.offer(record);
    }
    if (record.error_class === 'auth_error') {
      this.authFailures += 1;
      this.latestAuthFailure = Math.max(this.latestAuthFailure, record.endedAt);
    }
    if (record.durationMs > limits.slow) {
      this.slowCount += 1;
      this.slowest.offer(record);
    }
  }

  private addToWorker(record: PerformanceRecord): void {
    const key = workerKey({ host: record.host ?? this.options.host, id: record.worker_id });
    let worker = this.workers.get(key);
    if (worker === undefined) {
      worker = { tasks: 0, results: emptyResults(), duration_ms_total: 0, cost: emptyCost() };
      this.workers.set(key, worker);
    }
    worker.tasks += 1;
    worker.results[record.result] += 1;
    worker.duration_ms_total += record.durationMs;
    addCost(worker.cost, record);
  }

  summary(): HistorySummary {
    return {
      records: this.records,
      invalid: this.invalid,
      results: { ...this.results },
      duration: {
        count: this.records,
        total_ms: this.durationTotal,
        window: this.window.capacity,
        median_ms: this.window.quantile(0.5),
        p90_ms: this.window.quantile(0.9),
        buckets: this.buckets.map((bucket) => ({ ...bucket })),
      },
      finished_last_hour: this.lastHour,
      finished_last_day: this.lastDay,
      cost: { ...this.cost },
      workers: new Map([...this.workers].sort(([a], [b]) => compareWorkers(splitWorkerKey(a), splitWorkerKey(b)))),
      timeline: {
        since: this.options.since.toISOString(),
        matching: this.timelineMatching,
        entries: this.timeline.values().map((record) => toEntry(record, this.options.host)),
      },
      slow: {
        threshold_ms: this.options.slowTaskThresholdMs,
        count: this.slowCount,
        slowest: this.slowest.values().map((record) => toEntry(record, this.options.host)),
      },
      auth_failures: {
        count: this.authFailures,
        latest_at: this.authFailures === 0 ? null : new Date(this.latestAuthFailure).toISOString(),
      },
    };
  }
}
