import { emptyStats, emptyWorkerRecord, type Metrics, type ReportedStatus, type WorkerRecord } from './metrics-schema.js';

export interface HeartbeatInput {
  readonly status: ReportedStatus;
  /** The task being worked on, or 'none'. */
  readonly task?: string;
  /** When the current task started; defaults to the first heartbeat that names it. */
  readonly taskStartedAt?: string;
  readonly pid?: number;
  /** When the agent last showed progress (its output grew). */
  readonly lastProgressAt?: string;
}

const workerOf = (metrics: Metrics, workerId: number): WorkerRecord => {
  const key = String(workerId);
  const existing = metrics.workers[key];
  if (existing) return existing;
  const created = emptyWorkerRecord();
  metrics.workers[key] = created;
  return created;
};

/** Records a heartbeat; a task's start time is kept while the same task is reported. */
export function applyHeartbeat(metrics: Metrics, workerId: number, input: HeartbeatInput, now: Date): WorkerRecord {
  const record = workerOf(metrics, workerId);
  const at = now.toISOString();
  const task = input.task === undefined || input.task === '' ? 'none' : input.task;
  if (record.started_at === undefined || input.status === 'starting') record.started_at = at;
  if (task === 'none') {
    record.task_started_at = null;
  } else if (input.taskStartedAt !== undefined) {
    record.task_started_at = input.taskStartedAt;
  } else if (record.current_task !== task || !record.task_started_at) {
    record.task_started_at = at;
  }
  record.last_heartbeat = at;
  record.status = input.status;
  record.current_task = task;
  if (input.pid !== undefined) record.pid = input.pid;
  // Kept after the task ends: the last sign of life of the agent, shown beside the heartbeat.
  if (input.lastProgressAt !== undefined) record.last_progress_at = input.lastProgressAt;
  return record;
}

export function applyCompletion(metrics: Metrics, workerId: number, success: boolean): WorkerRecord {
  const record = workerOf(metrics, workerId);
  metrics.stats ??= emptyStats();
  metrics.stats.total_tasks += 1;
  if (success) {
    record.tasks_completed += 1;
    metrics.stats.successful_tasks += 1;
  } else {
    record.tasks_failed += 1;
    metrics.stats.failed_tasks += 1;
  }
  return record;
}

export function applyRestart(metrics: Metrics, workerId: number): WorkerRecord {
  const record = workerOf(metrics, workerId);
  record.restarts += 1;
  metrics.stats.restarts += 1;
  return record;
}

/**
 * Marks every worker outside `keep` as stopped with no task: its live fields no longer claim it
 * works, while its counters stay for the reports. Returns the ids changed.
 */
export function retireWorkersExcept(metrics: Metrics, keep: ReadonlySet<number>): number[] {
  const retired: number[] = [];
  for (const [key, record] of Object.entries(metrics.workers)) {
    if (keep.has(Number(key)) || (record.status === 'stopped' && record.current_task === 'none')) continue;
    record.status = 'stopped';
    record.current_task = 'none';
    record.task_started_at = null;
    retired.push(Number(key));
  }
  return retired;
}
