import type { SandboxState } from '../adapters/bubblewrap/probe.js';
import { readLastLines } from '../core/log-tail.js';
import { workerErrorLog } from '../core/paths.js';
import { workerHost, workerKey } from '../core/worker-ref.js';
import type { ManagerState } from '../health/manager-state.js';
import { loadPerformanceData, type PerformanceContext } from '../performance/load.js';
import { buildPerformanceReport, type PerformanceReport } from '../performance/report.js';
import type { TimelineEntry } from '../performance/history-summary.js';
import { NO_HOLDS, type DispatchHolds } from '../github/dispatch-holds.js';
import { PERSON_HOLD, type UsagePauseRecord } from '../pause/usage-pause.js';
import type { QueueDepth, QueueTask } from '../queue/backend.js';
import { waitingView, type WaitingView } from '../queue/blockers.js';
import type { TaskPullView } from '../queue/queue-views.js';
import { countPulls, type ChecksState, type PullState } from '../github/pull-request-watch.js';
import { taskSuffixes } from '../queue/task-ref.js';
import { HourlyChart, type HourBucket } from './hourly-chart.js';
import { pageOutcomeLines } from './outcome-lines.js';

export interface WorkerView {
  readonly host: string;
  readonly id: number;
  /** What the page names it by: the id for this host's worker, `host/id` for another's. */
  readonly label: string;
  /** This host's worker: its manager can restart it, its error log is here. */
  readonly local: boolean;
  readonly health: string;
  readonly status: string;
  readonly task: string;
  readonly parent: string | null;
  readonly elapsed_s: number | null;
  readonly progress_age_s: number | null;
  readonly heartbeat_age_s: number | null;
  readonly attempts: number | null;
  readonly restarts: number;
  readonly gave_up: boolean;
  /** Null when none of its tasks reported a cost (a command agent): unknown, not $0. */
  readonly cost_usd: number | null;
  /**
   * Why a given-up worker gave up (the manager's reason), else its latest error line
   * (`[time] message`); `last_error_at` is that line's time.
   */
  readonly last_error: string | null;
  readonly last_error_at: string | null;
}

/** The header's counts, from the same `health` the rows show (gave-up apart from dead). */
export interface WorkerCounts {
  readonly up: number;
  readonly unresponsive: number;
  readonly dead: number;
  readonly gave_up: number;
}

/** What `/api/state` answers and each SSE `state` event carries; `report` is `worker-performance report --json`. */
export interface DashboardState {
  readonly generated_at: string;
  /** This host (WORKER_HOST): other hosts' workers are named `host/id`. */
  readonly host: string;
  readonly report: PerformanceReport;
  readonly queue: { readonly backend: string; readonly depth: QueueDepth } | { readonly unavailable: string };
  readonly pause: { readonly until: string | null; readonly reason: string; readonly message: string } | null;
  /** Budgets and the review wait (MAX_OPEN_PRS), as `worker-manager status` shows them. */
  readonly holds: DispatchHolds;
  readonly workers: readonly WorkerView[];
  readonly worker_counts: WorkerCounts;
  /** Blocked tasks and dependency cycles, from the queue `status` reads (docs/SPEC.md section 8.5). */
  readonly waiting?: WaitingView;
  /**
   * Per parent issue and repository (null: unknown); the page shows those of `repo` (and of
   * unknown repository) unless asked for every repository (docs/SPEC.md section 8.2).
   */
  readonly parents: readonly ParentView[];
  /** The repository the dashboard was started in; absent when not known. */
  readonly repo?: string;
  readonly alerts: readonly string[];
  readonly recent: readonly TimelineEntry[];
  readonly chart: readonly HourBucket[];
  readonly cost_today_usd: number;
  /** The pull requests' outcomes and the spend per day and per parent, as `worker-performance report` says them. */
  readonly outcomes: readonly string[];
  /** Whether this host's workers run their agents sandboxed, and when not, why and the fix (docs/SPEC.md section 15). */
  readonly sandbox?: SandboxState;
}

/** A parent's tasks: counts, and each pull request as the watcher last saw it (docs/SPEC.md section 14.2). */
export interface ParentView {
  readonly parent: string;
  readonly repo: string | null;
  readonly done: number;
  readonly total: number;
  readonly failed: number;
  /** How many of its pull requests are in which condition, as `worker-queue status` counts them. */
  readonly pull_requests: Record<string, number>;
  readonly pulls: readonly {
    readonly subissue: string;
    readonly pr_number: number;
    readonly pr_url: string;
    readonly state: string | null;
    readonly checks: string | null;
  }[];
}

/** Where the dashboard reads from: the CLI views' own readers, plus the queue's task list. */
export interface DashboardSources {
  readonly performance: PerformanceContext;
  readonly queueTasks: () => Promise<{ backend: string; tasks: QueueTask[]; depth: QueueDepth } | { unavailable: string }>;
  readonly managerState: () => Promise<ManagerState>;
  readonly pause: () => Promise<UsagePauseRecord | null>;
  readonly holds?: () => Promise<DispatchHolds>;
  readonly alertsLog: string;
  /** Each task's pull request by queue id (src/github/task-pulls.ts); absent: none shown. */
  readonly taskPulls?: (tasks: readonly QueueTask[]) => Promise<ReadonlyMap<string, TaskPullView>>;
  /** The repository the dashboard was started in. */
  readonly repo?: () => Promise<string>;
  /** What a worker started now would decide about the sandbox. */
  readonly sandbox?: () => Promise<SandboxState>;
}

const RECENT = 10;
const ALERTS = 15;
const ERROR_TAIL_BYTES = 2048;

const ageS = (iso: string | null | undefined, now: Date) => {
  const at = Date.parse(iso ?? '');
  return Number.isNaN(at) ? null : Math.max(0, Math.round((now.getTime() - at) / 1000));
};

/** `[2026-11-28T00:00:00.000Z] message`: the time, when the line has one. */
const lineTime = (line: string) => /^\[(\d{4}-\d\d-\d\dT[^\]]+)\] /.exec(line)?.[1] ?? null;

export function countWorkers(workers: readonly Pick<WorkerView, 'health'>[]): WorkerCounts {
  const counts = { up: 0, unresponsive: 0, dead: 0, gave_up: 0 };
  for (const { health } of workers) {
    if (health === 'gave-up') counts.gave_up += 1;
    else if (health === 'dead') counts.dead += 1;
    else if (health === 'unresponsive') counts.unresponsive += 1;
    else if (health !== 'stopped' && health !== 'unknown') counts.up += 1;
  }
  return counts;
}

function parentsOf(tasks: readonly QueueTask[], pulls: ReadonlyMap<string, TaskPullView>): ParentView[] {
  const byParent = new Map<string, QueueTask[]>();
  for (const task of tasks) {
    const key = `${task.repo ?? ''}#${task.parent}`;
    byParent.set(key, [...(byParent.get(key) ?? []), task]);
  }
  return [...byParent]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([, group]) => {
      const delivered = group.filter((task) => task.status === 'done');
      const seen = delivered.flatMap((task) => {
        const pull = pulls.get(task.id);
        return pull?.state === null || pull?.checks === null || pull === undefined ? [] : [pull];
      });
      const counts = countPulls(
        seen
          .filter((pull) => pull.state !== 'released')
          .map((pull) => ({ state: pull.state as PullState, checks: pull.checks as ChecksState })),
      );
      const released = seen.filter((pull) => pull.state === 'released').length;
      return {
        parent: group[0]!.parent,
        repo: group[0]!.repo ?? null,
        total: group.length,
        done: group.filter((task) => task.status === 'done' || task.status === 'review').length,
        failed: group.filter((task) => task.status === 'failed').length,
        pull_requests: Object.fromEntries(Object.entries({ ...counts, released }).filter(([, count]) => count > 0)),
        pulls: delivered.flatMap((task) => {
          const pull = pulls.get(task.id);
          return pull === undefined
            ? []
            : [{ subissue: task.subissue, pr_number: pull.number, pr_url: pull.url, state: pull.state, checks: pull.checks }];
        }),
      };
    });
}

/** One snapshot of the pool, read as `report`, `timeline` and `worker-queue list` read it. */
export async function buildDashboardState(sources: DashboardSources): Promise<DashboardState> {
  const context = sources.performance;
  const { now } = context;
  const chart = new HourlyChart(now);
  const [data, queue, state, pause, alerts, holds, sandbox, repo] = await Promise.all([
    loadPerformanceData(context, { timelineLimit: RECENT, also: chart }),
    sources.queueTasks(),
    sources.managerState(),
    sources.pause(),
    readLastLines(sources.alertsLog, ALERTS),
    sources.holds === undefined ? NO_HOLDS : sources.holds().catch(() => NO_HOLDS),
    sources.sandbox?.(),
    sources.repo?.().catch(() => undefined),
  ]);
  const report = buildPerformanceReport({ now, thresholds: context.settings, ...data });
  const localHost = workerHost(context.settings);
  const tasks = 'tasks' in queue ? queue.tasks : [];
  const pulls = sources.taskPulls === undefined ? new Map<string, TaskPullView>() : await sources.taskPulls(tasks).catch(() => new Map());
  // A worker on an earlier task of its sub-issue (a second active one, added with --force) shows it as `201~1`.
  const suffixes = taskSuffixes(tasks);
  const workers = await Promise.all(
    report.workers.map(async (row): Promise<WorkerView> => {
      const record = data.metrics.workers[workerKey(row)];
      const local = row.host === localHost;
      const held = tasks.find((task) => task.status === 'claimed' && task.workerId === row.id && (task.host ?? localHost) === row.host);
      const [lastError] = local ? await readLastLines(workerErrorLog(context.paths, row.id), 1, ERROR_TAIL_BYTES).catch(() => []) : [];
      const entry = local ? state.workers[String(row.id)] : undefined;
      const gaveUp = entry?.gave_up ?? false;
      const reason = gaveUp && entry?.last_reason ? `Gave up: ${entry.last_reason}` : undefined;
      return {
        host: row.host,
        id: row.id,
        label: local ? String(row.id) : workerKey(row),
        local,
        health: gaveUp ? 'gave-up' : row.health,
        status: row.status,
        task: held?.subissue === row.current_task ? `${row.current_task}${suffixes.get(held.id) ?? ''}` : row.current_task,
        parent: held?.parent ?? null,
        elapsed_s: row.current_task === 'none' ? null : ageS(record?.task_started_at, now),
        progress_age_s: row.current_task === 'none' ? null : ageS(record?.last_progress_at, now),
        heartbeat_age_s: ageS(record?.last_heartbeat, now),
        attempts: held?.attempts ?? null,
        restarts: row.restarts,
        gave_up: gaveUp,
        cost_usd: row.history.cost.tasks_with_cost === 0 ? null : row.history.cost.total_usd,
        last_error: reason ?? lastError ?? null,
        last_error_at: reason === undefined && lastError !== undefined ? lineTime(lastError) : null,
      };
    }),
  );
  return {
    generated_at: now.toISOString(),
    host: localHost,
    report,
    queue: 'tasks' in queue ? { backend: queue.backend, depth: queue.depth } : queue,
    pause:
      pause === null
        ? null
        : { until: pause.limitType === PERSON_HOLD ? null : pause.until, reason: pause.limitType ?? 'usage limit', message: pause.message },
    holds,
    workers,
    worker_counts: countWorkers(workers),
    waiting: waitingView(tasks),
    parents: parentsOf(tasks, pulls),
    ...(repo === undefined ? {} : { repo }),
    alerts,
    recent: data.history.timeline.entries,
    chart: chart.buckets(),
    cost_today_usd: Math.round(chart.costTodayUsd * 1e6) / 1e6,
    outcomes: pageOutcomeLines(report),
    ...(sandbox ? { sandbox } : {}),
  };
}
