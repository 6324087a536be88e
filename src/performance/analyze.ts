import { formatDuration } from '../core/duration.js';
import type { HistorySummary, TimelineEntry } from './history-summary.js';
import type { PerformanceReport, WorkerRow } from './report.js';
import { round } from './report.js';
import { hasSeveralHosts, workerKey, workerLabel } from '../core/worker-ref.js';

export const FAILURE_RATE_LIMIT_PERCENT = 30;
export const RESTART_LIMIT = 3;
export const BACKLOG_LIMIT = 10;
/** One more worker per this many pending tasks. */
export const TASKS_PER_EXTRA_WORKER = 5;

export type FindingKind =
  | 'high-failure-rate'
  | 'frequent-restarts'
  | 'queue-backlog'
  | 'slow-tasks'
  | 'idle-workers-with-backlog'
  | 'more-workers-than-cores'
  | 'auth-failures';

export interface Finding {
  readonly kind: FindingKind;
  readonly message: string;
  /** The numbers behind the message. */
  readonly numbers: Readonly<Record<string, number | readonly number[]>>;
  readonly recommendation: string;
}

export interface ScalingRecommendation {
  readonly current_workers: number;
  readonly pending: number | null;
  readonly cores: number;
  readonly recommended_workers: number;
  readonly reason: string;
}

export interface PerformanceAnalysis {
  readonly report: PerformanceReport;
  readonly findings: readonly Finding[];
  readonly scaling: ScalingRecommendation;
  readonly slow_tasks: { readonly threshold_s: number; readonly count: number; readonly slowest: readonly TimelineEntry[] };
}

/** The logs a finding may point to, as paths of files that exist: a finding never names a missing file. */
export interface AnalysisFiles {
  /** Keyed `host/id`: this host's workers only, whose logs are here. */
  readonly errorLogs: ReadonlyMap<string, string>;
  readonly managerLog: string | null;
}

const NO_FILES: AnalysisFiles = { errorLogs: new Map(), managerLog: null };

const NOT_RUNNING = new Set(['dead', 'stopped', 'unknown']);
/** A worker that reported `stopped` (drained, scaled away) is not running, even while its last heartbeat is recent. */
const isLive = (row: WorkerRow) => row.status !== 'stopped' && !NOT_RUNNING.has(row.health);

/**
 * Failures as the history records them (a review is not one, nor a run a person cancelled, which
 * is left out of the tasks too); a worker without history is judged
 * by its health counters, all there is, which count a review with the failures.
 */
const failuresOf = (row: WorkerRow) =>
  row.history.tasks > 0
    ? { failed: row.history.results.failed, tasks: row.history.tasks - row.history.results.cancelled, source: 'in the task history' }
    : { failed: row.failed, tasks: row.tasks, source: 'by its health counters, which count reviews as failures' };

/** The workers named as a view names them (`host/id` when the report has several hosts). */
const labels = (rows: readonly WorkerRow[], all: readonly WorkerRow[]) =>
  rows.map((row) => workerLabel(row, hasSeveralHosts(all))).join(', ');

function workerFindings(workers: readonly WorkerRow[], files: AnalysisFiles): Finding[] {
  const findings: Finding[] = [];
  const several = hasSeveralHosts(workers);
  for (const row of workers) {
    const { failed, tasks, source } = failuresOf(row);
    const failureRate = tasks === 0 ? 0 : round((failed / tasks) * 100, 1);
    const errorLog = files.errorLogs.get(workerKey(row));
    const name = workerLabel(row, several);
    if (failureRate > FAILURE_RATE_LIMIT_PERCENT) {
      findings.push({
        kind: 'high-failure-rate',
        message: `Worker ${name} failed ${failed} of ${tasks} tasks ${source} (${failureRate}%, above ${FAILURE_RATE_LIMIT_PERCENT}%).`,
        numbers: { worker: row.id, failed, tasks, failure_rate_percent: failureRate, limit_percent: FAILURE_RATE_LIMIT_PERCENT },
        recommendation: `See the error classes of its failed tasks in worker-performance timeline${errorLog ? `, and each failed attempt in ${errorLog}` : ''}.`,
      });
    }
    if (row.restarts > RESTART_LIMIT) {
      const logs = [files.managerLog, errorLog].filter((file): file is string => file !== null && file !== undefined);
      findings.push({
        kind: 'frequent-restarts',
        message: `Worker ${name} was restarted ${row.restarts} times (more than ${RESTART_LIMIT}).`,
        numbers: { worker: row.id, restarts: row.restarts, limit: RESTART_LIMIT },
        recommendation:
          logs.length > 0
            ? `Look in ${logs.join(' and ')} for why worker ${name} keeps stopping.`
            : `See worker-manager status for worker ${name}'s health and restarts; no log records why it stopped.`,
      });
    }
  }
  return findings;
}

function authFinding(auth: HistorySummary['auth_failures']): Finding[] {
  if (auth.count === 0) return [];
  return [
    {
      kind: 'auth-failures',
      message: `${auth.count} task(s) failed because the agent could not authenticate (auth_error), the latest at ${auth.latest_at}.`,
      numbers: { tasks: auth.count },
      recommendation:
        'Log in again (run claude and /login, or give the workers a valid ANTHROPIC_API_KEY), then run worker-manager resume so the workers claim again.',
    },
  ];
}

function queueFindings(report: PerformanceReport): Finding[] {
  if (!report.queue.available) return [];
  const { pending } = report.queue;
  const findings: Finding[] = [];
  if (pending > BACKLOG_LIMIT) {
    findings.push({
      kind: 'queue-backlog',
      message: `${pending} tasks are waiting in the queue (more than ${BACKLOG_LIMIT}).`,
      numbers: { pending, limit: BACKLOG_LIMIT },
      recommendation: 'Add workers (see the scaling recommendation) or check that workers are claiming tasks.',
    });
  }
  const idle = report.workers.filter((row) => row.health === 'healthy');
  if (pending > 0 && idle.length > 0) {
    findings.push({
      kind: 'idle-workers-with-backlog',
      message: `${idle.length} worker(s) idle (${labels(idle, report.workers)}) while ${pending} task(s) wait.`,
      numbers: { idle_workers: idle.map((row) => row.id), pending },
      recommendation: 'Check that idle workers reach the queue backend (WORKER_BACKEND, PUEUE_GROUP) and their error logs.',
    });
  }
  return findings;
}

function slowFinding(report: PerformanceReport, slow: HistorySummary['slow']): Finding[] {
  const running = report.workers.filter((row) => row.health === 'slow');
  if (slow.count === 0 && running.length === 0) return [];
  const threshold = formatDuration(slow.threshold_ms);
  const slowest = slow.slowest[0];
  const parts = [`${slow.count} finished task(s) took longer than ${threshold}`];
  if (slowest) parts.push(`the slowest, ${slowest.task_id}, took ${formatDuration(slowest.duration_ms)}`);
  if (running.length > 0) parts.push(`worker(s) ${labels(running, report.workers)} are on a task running longer than that now`);
  return [
    {
      kind: 'slow-tasks',
      message: `${parts.join('; ')}.`,
      numbers: {
        threshold_s: slow.threshold_ms / 1000,
        finished_slow: slow.count,
        slowest_s: slowest ? round(slowest.duration_ms / 1000, 1) : 0,
        running_slow_workers: running.map((row) => row.id),
      },
      recommendation: 'Split large sub-issues, or raise SLOW_TASK_THRESHOLD if such durations are expected.',
    },
  ];
}

function coresFinding(live: number, cores: number): Finding[] {
  if (live <= cores) return [];
  return [
    {
      kind: 'more-workers-than-cores',
      message: `${live} workers are running on ${cores} CPU cores.`,
      numbers: { workers: live, cores },
      recommendation: `Scale down to ${cores} workers: more compete for the same cores.`,
    },
  ];
}

/**
 * Current workers plus one per 5 pending tasks (at least one while tasks wait), at most one per
 * core when the agents use the CPU (`coreBound`); Claude Code's workers mostly wait on a remote
 * API, so for them the core count bounds nothing.
 */
export function recommendScaling(current: number, pending: number | null, cores: number, coreBound = true): ScalingRecommendation {
  const base = { current_workers: current, pending, cores };
  if (!coreBound) {
    if (pending === null)
      return { ...base, recommended_workers: current, reason: 'The queue depth is unavailable; keep the pool as it is.' };
    const wanted = Math.max(current + Math.floor(pending / TASKS_PER_EXTRA_WORKER), pending > 0 ? 1 : 0);
    const reason =
      wanted > current
        ? `${pending} pending task(s) call for one more worker per ${TASKS_PER_EXTRA_WORKER}; the agents mostly wait on a remote API, so the CPU cores do not cap the pool.`
        : pending === 0
          ? 'No tasks are waiting; the pool size fits.'
          : `${pending} pending task(s) do not call for more workers.`;
    return { ...base, recommended_workers: wanted, reason };
  }
  if (pending === null) {
    const recommended = Math.min(current, cores);
    return {
      ...base,
      recommended_workers: recommended,
      reason: 'The queue depth is unavailable, so only the CPU core count bounds the pool.',
    };
  }
  const wanted = Math.max(current + Math.floor(pending / TASKS_PER_EXTRA_WORKER), pending > 0 ? 1 : 0);
  const recommended = Math.min(wanted, cores);
  let reason: string;
  if (recommended > current) {
    reason = `${pending} pending task(s) call for one more worker per ${TASKS_PER_EXTRA_WORKER}${wanted > cores ? `, capped at ${cores} CPU cores` : ''}.`;
  } else if (recommended < current) {
    reason = `${current} workers exceed the ${cores} CPU cores.`;
  } else if (pending === 0) {
    reason = 'No tasks are waiting; the pool size fits.';
  } else {
    reason = wanted > cores ? `The pool is already at the ${cores} CPU cores.` : `${pending} pending task(s) do not call for more workers.`;
  }
  return { ...base, recommended_workers: recommended, reason };
}

/** The report plus findings with the numbers behind them and a scaling recommendation. */
export function buildAnalysis(
  report: PerformanceReport,
  history: Pick<HistorySummary, 'slow' | 'auth_failures'>,
  cores: number,
  files: AnalysisFiles = NO_FILES,
  /** False for agents that mostly wait on a remote API (Claude Code): no advice from the core count. */
  coreBound = true,
): PerformanceAnalysis {
  const live = report.workers.filter(isLive).length;
  const { slow } = history;
  return {
    report,
    findings: [
      ...authFinding(history.auth_failures),
      ...workerFindings(report.workers, files),
      ...queueFindings(report),
      ...slowFinding(report, slow),
      ...(coreBound ? coresFinding(live, cores) : []),
    ],
    scaling: recommendScaling(live, report.queue.available ? report.queue.pending : null, cores, coreBound),
    slow_tasks: { threshold_s: slow.threshold_ms / 1000, count: slow.count, slowest: slow.slowest },
  };
}
