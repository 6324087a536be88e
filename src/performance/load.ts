import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { HealthService } from '../health/health-service.js';
import type { Metrics } from '../health/metrics-schema.js';
import { historyFiles } from '../core/history-rollover.js';
import { readHistoryFiles, type HistoryVisitor } from './history-reader.js';
import { HistoryAccumulator, type HistorySummary } from './history-summary.js';
import type { QueueState } from './report.js';

export type PerformanceSettings = Pick<Settings, 'LOCK_STALE_TIMEOUT' | 'SLOW_TASK_THRESHOLD' | 'DEAD_WORKER_THRESHOLD'>;

/** What a performance command needs: paths, settings, a fixed clock, the core count, the queue. */
export interface PerformanceContext {
  readonly paths: DataPaths;
  readonly settings: PerformanceSettings;
  readonly now: Date;
  readonly cores: number;
  /** Asks the queue backend for its depth; answers `available: false` rather than throwing. */
  readonly queue: () => Promise<QueueState>;
}

export interface LoadedData {
  readonly metrics: Metrics;
  readonly history: HistorySummary;
  readonly queue: QueueState;
}

export const DEFAULT_TIMELINE_LIMIT = 50;
const DAY_MS = 24 * 3_600_000;

/**
 * Reads metrics.json (a shell-era file without `version` included), streams the history and asks
 * the queue, all at once. Nothing is written unless metrics.json is corrupt, which HealthService
 * moves aside as everywhere else (docs/SPEC.md section 2).
 */
export async function loadPerformanceData(
  context: PerformanceContext,
  options: { readonly since?: Date; readonly timelineLimit?: number; readonly also?: HistoryVisitor } = {},
): Promise<LoadedData> {
  const { paths, settings, now } = context;
  const accumulator = new HistoryAccumulator({
    now,
    since: options.since ?? new Date(now.getTime() - DAY_MS),
    // Only the timeline and the monitor show entries; the rest need the counts alone.
    timelineLimit: options.timelineLimit ?? 0,
    slowTaskThresholdMs: settings.SLOW_TASK_THRESHOLD,
  });
  const health = new HealthService({ paths, settings, now: () => now });
  const { also } = options;
  // `also` sees every record too (the dashboard's chart), from the same single read.
  const visitor: HistoryVisitor =
    also === undefined
      ? accumulator
      : { add: (record) => (accumulator.add(record), also.add(record)), skip: () => (accumulator.skip(), also.skip()) };
  const [metrics, queue] = await Promise.all([health.read(), context.queue(), readHistoryFiles(historyFiles(paths.historyFile), visitor)]);
  return { metrics, history: accumulator.summary(), queue };
}
