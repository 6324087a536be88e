import { SpendTally, type Spend } from '../pause/budget.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { openFleetStores } from '../health/open-stores.js';
import type { FleetMetrics } from '../health/health-store.js';
import { workerHost } from '../core/worker-ref.js';
import type { HistoryVisitor } from '../history/history-reader.js';
import { HistoryAccumulator, type HistorySummary } from './history-summary.js';
import { OutcomeTally, type OutcomeReport } from './outcomes.js';
import { openPullWatchStore } from '../github/pull-request-watcher.js';
import type { QueueState } from './report.js';

export type PerformanceSettings = Pick<
  Settings,
  'LOCK_STALE_TIMEOUT' | 'SLOW_TASK_THRESHOLD' | 'DEAD_WORKER_THRESHOLD' | 'WORKER_BACKEND' | 'WORKER_HOST' | 'BUDGET_TZ'
> &
  Partial<Pick<Settings, 'WORKER_AGENT_CMD'>>;

/** What a performance command needs: paths, settings, a fixed clock, the core count, the queue. */
export interface PerformanceContext {
  readonly paths: DataPaths;
  readonly settings: PerformanceSettings;
  readonly now: Date;
  readonly cores: number;
  /** Asks the queue backend for its depth; answers `available: false` rather than throwing. */
  readonly queue: () => Promise<QueueState>;
  /** WORKERS_DATABASE_URL, for the postgres store. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedData {
  /** Every host's workers, keyed `host/id`. */
  readonly metrics: FleetMetrics;
  readonly history: HistorySummary;
  readonly queue: QueueState;
  /** Spend per day of BUDGET_TZ and per parent (docs/SPEC.md section 11.1). */
  readonly spend: Spend;
  /** The pool's pull requests' outcomes (docs/SPEC.md section 14.5); absent when none is followed. */
  readonly outcomes?: OutcomeReport;
}

export const DEFAULT_TIMELINE_LIMIT = 50;
const DAY_MS = 24 * 3_600_000;

/**
 * Reads the health store (metrics.json, a shell-era file without `version` included, or the
 * database), streams the history and asks the queue, all at once. Nothing is written unless
 * metrics.json is corrupt, which HealthService moves aside as everywhere else (docs/SPEC.md section 2).
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
    host: workerHost(settings),
  });
  const stores = openFleetStores({ paths, settings, now: () => now, ...(context.env ? { env: context.env } : {}) });
  const { also } = options;
  // `also` sees every record too (the dashboard's chart), from the same single read.
  const spend = new SpendTally(settings.BUDGET_TZ);
  // The watcher's file first (small, local): the history's one read then sums only its sub-issues.
  const watched = await openPullWatchStore(paths)
    .read()
    .then((file) => Object.values(file.pulls))
    .catch(() => []);
  const outcomes = new OutcomeTally(watched);
  const visitor: HistoryVisitor = {
    add: (record) => (accumulator.add(record), spend.add(record), outcomes.add(record), also?.add(record)),
    skip: () => (accumulator.skip(), also?.skip()),
  };
  // The connections stay for the next snapshot of a live view; a short command exits without closing them.
  const [metrics, queue] = await Promise.all([stores.health.readFleet(), context.queue(), stores.history.read(visitor)]);
  const outcome = outcomes.result();
  return { metrics, history: accumulator.summary(), queue, spend: spend.result(now), ...(outcome ? { outcomes: outcome } : {}) };
}
