import type { Settings } from '../core/settings.js';
import { classifyHealth, hasTask } from '../health/classify.js';
import type { Metrics } from '../health/metrics-schema.js';
import type { ManagerState } from '../health/manager-state.js';
import { budgetKey, describeBudget, raiseCommand, type BudgetLook } from '../pause/budget.js';
import { PERSON_HOLD, type UsagePauseRecord } from '../pause/usage-pause.js';
import type { Observation, PullSeen, WorkerLook } from './observation.js';

export type ObserveSettings = Pick<Settings, 'DEAD_WORKER_THRESHOLD' | 'SLOW_TASK_THRESHOLD' | 'PROGRESS_STALL_THRESHOLD'>;

/** What the notifier reads on each look; the queue answers null when it cannot be asked. */
export interface ObservationSources {
  readonly metrics: () => Promise<Metrics>;
  readonly managerState: () => Promise<ManagerState>;
  readonly pause: () => Promise<UsagePauseRecord | null>;
  readonly activeTasks: () => Promise<number | null>;
  /** The budgets set, and how far each is spent (docs/SPEC.md section 11.1). */
  readonly budgets?: () => Promise<readonly BudgetLook[]>;
  /** The review wait (MAX_OPEN_PRS), or null. */
  readonly reviews?: () => Promise<string | null>;
  /** The watcher's pull requests (GitHub mode). */
  readonly pulls?: () => Promise<Readonly<Record<string, PullSeen>>>;
}

const stalled = (record: Metrics['workers'][string], now: Date, thresholdMs: number) => {
  if (record.status !== 'working' || !hasTask(record)) return false;
  // last_progress_at outlives a task: a new task's own start counts as its first sign of progress.
  const times = [record.last_progress_at, record.task_started_at].map((iso) => Date.parse(iso ?? '')).filter((at) => !Number.isNaN(at));
  return times.length > 0 && now.getTime() - Math.max(...times) > thresholdMs;
};

/** One look at the pool: health from metrics.json, restarts and give-ups from the manager's state. */
export async function observe(sources: ObservationSources, settings: ObserveSettings, now: Date): Promise<Observation> {
  const [metrics, state, pause, active, budgets, reviews, pulls] = await Promise.all([
    sources.metrics(),
    sources.managerState(),
    sources.pause(),
    sources.activeTasks(),
    // A spend that cannot be read is no news: the next look tries again.
    sources.budgets?.().catch(() => []) ?? [],
    sources.reviews?.().catch(() => null) ?? null,
    sources.pulls?.().catch(() => undefined),
  ]);
  const ids = new Set([...Object.keys(metrics.workers), ...Object.keys(state.workers)]);
  const workers: Record<string, WorkerLook> = {};
  for (const id of ids) {
    const record = metrics.workers[id];
    const entry = state.workers[id];
    workers[id] = {
      health: classifyHealth(record, now, settings),
      restarts: entry?.restarts ?? 0,
      gave_up: entry?.gave_up ?? false,
      stalled: record !== undefined && stalled(record, now, settings.PROGRESS_STALL_THRESHOLD),
      task: record?.current_task ?? 'none',
      reason: entry?.last_reason ?? null,
    };
  }
  return {
    workers,
    pause: pause === null ? null : { kind: pause.limitType === PERSON_HOLD ? 'auth' : 'usage', until: pause.until, message: pause.message },
    active_tasks: active,
    budgets: Object.fromEntries(
      budgets.map((look) => [budgetKey(look), { level: look.level, text: describeBudget(look), command: raiseCommand(look) }]),
    ),
    reviews,
    ...(pulls === undefined ? {} : { pulls }),
  };
}
