import type { Database } from '../adapters/postgres/database.js';
import type { EventLog } from '../core/event-log.js';
import { workerKey } from '../core/worker-ref.js';
import { openHealthLog } from './health-service.js';
import type { FleetMetrics, HealthStore } from './health-store.js';
import type { HeartbeatInput } from './metrics-ops.js';
import { emptyStats, METRICS_VERSION, type Metrics, type Stats, type WorkerRecord } from './metrics-schema.js';
import type { DataPaths } from '../core/paths.js';

interface WorkerRow {
  host: string;
  worker_id: number;
  status: string;
  current_task: string;
  last_heartbeat: Date | null;
  started_at: Date | null;
  task_started_at: Date | null;
  last_progress_at: Date | null;
  pid: number | null;
  tasks_completed: number;
  tasks_failed: number;
  restarts: number;
}

/**
 * One statement per beat: the first beat inserts the row, every later one updates it. The rules
 * are those of applyHeartbeat (metrics-ops.ts): a task's start is kept while the same task is
 * reported; the worker's start moves on `starting`. $5 is the beat's time, $6 the given task start.
 */
const HEARTBEAT = `
  INSERT INTO hw_workers AS w (host, worker_id, status, current_task, last_heartbeat, started_at, task_started_at, pid, last_progress_at)
  VALUES ($1, $2, $3, $4, $5, $5, CASE WHEN $4 = 'none' THEN NULL ELSE COALESCE($6::timestamptz, $5) END, $7, $8)
  ON CONFLICT (host, worker_id) DO UPDATE SET
    started_at = CASE WHEN w.started_at IS NULL OR EXCLUDED.status = 'starting' THEN EXCLUDED.last_heartbeat ELSE w.started_at END,
    task_started_at = CASE
      WHEN EXCLUDED.current_task = 'none' THEN NULL
      WHEN $6::timestamptz IS NOT NULL THEN $6::timestamptz
      WHEN w.current_task <> EXCLUDED.current_task OR w.task_started_at IS NULL THEN EXCLUDED.last_heartbeat
      ELSE w.task_started_at END,
    last_heartbeat = EXCLUDED.last_heartbeat,
    status = EXCLUDED.status,
    current_task = EXCLUDED.current_task,
    pid = COALESCE(EXCLUDED.pid, w.pid),
    last_progress_at = COALESCE(EXCLUDED.last_progress_at, w.last_progress_at)
  RETURNING *`;

/** Adds $3 completed, $4 failed, $5 restarts to a worker's counters (its row made if need be). */
const COUNT = `
  INSERT INTO hw_workers AS w (host, worker_id, tasks_completed, tasks_failed, restarts) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (host, worker_id) DO UPDATE SET
    tasks_completed = w.tasks_completed + EXCLUDED.tasks_completed,
    tasks_failed = w.tasks_failed + EXCLUDED.tasks_failed,
    restarts = w.restarts + EXCLUDED.restarts
  RETURNING *`;

const iso = (date: Date | null) => (date === null ? undefined : date.toISOString());

/** A row as metrics.json holds a worker, so every view reads both stores alike. */
function toRecord(row: WorkerRow): WorkerRecord {
  const record: WorkerRecord = {
    status: row.status,
    current_task: row.current_task,
    tasks_completed: row.tasks_completed,
    tasks_failed: row.tasks_failed,
    restarts: row.restarts,
    task_started_at: iso(row.task_started_at) ?? null,
    last_progress_at: iso(row.last_progress_at) ?? null,
  };
  const lastHeartbeat = iso(row.last_heartbeat);
  const startedAt = iso(row.started_at);
  if (lastHeartbeat !== undefined) record.last_heartbeat = lastHeartbeat;
  if (startedAt !== undefined) record.started_at = startedAt;
  if (row.pid !== null) record.pid = row.pid;
  return record;
}

/** The counters over the rows, as metrics.json's stats (rows go only with a reset, as there). */
function statsOf(rows: readonly WorkerRow[]): Stats {
  const stats = emptyStats();
  for (const row of rows) {
    stats.successful_tasks += row.tasks_completed;
    stats.failed_tasks += row.tasks_failed;
    stats.restarts += row.restarts;
  }
  stats.total_tasks = stats.successful_tasks + stats.failed_tasks;
  return stats;
}

export interface PostgresHealthStoreOptions {
  /** Opened on first use, so a command that never asks pays nothing for it. */
  readonly database: () => Promise<Database>;
  readonly host: string;
  readonly paths: DataPaths;
  readonly now: () => Date;
}

/** The health store of WORKER_BACKEND=postgres: table hw_workers, keyed (host, worker_id). */
export class PostgresHealthStore implements HealthStore {
  readonly events: EventLog;
  readonly host: string;
  private readonly database: () => Promise<Database>;
  private readonly now: () => Date;

  constructor(options: PostgresHealthStoreOptions) {
    this.database = options.database;
    this.host = options.host;
    this.now = options.now;
    this.events = openHealthLog(options.paths, options.now);
  }

  async read(): Promise<Metrics> {
    const { rows } = await (await this.database()).query<WorkerRow>('SELECT * FROM hw_workers WHERE host = $1', [this.host]);
    return {
      version: METRICS_VERSION,
      workers: Object.fromEntries(rows.map((row) => [String(row.worker_id), toRecord(row)])),
      stats: statsOf(rows),
    };
  }

  async readFleet(): Promise<FleetMetrics> {
    const { rows } = await (await this.database()).query<WorkerRow>('SELECT * FROM hw_workers');
    return {
      workers: Object.fromEntries(rows.map((row) => [workerKey({ host: row.host, id: row.worker_id }), toRecord(row)])),
      stats: statsOf(rows),
    };
  }

  async heartbeat(workerId: number, input: HeartbeatInput): Promise<WorkerRecord> {
    const task = input.task === undefined || input.task === '' ? 'none' : input.task;
    const { rows } = await (
      await this.database()
    ).query<WorkerRow>(HEARTBEAT, [
      this.host,
      workerId,
      input.status,
      task,
      this.now(),
      input.taskStartedAt ?? null,
      input.pid ?? null,
      input.lastProgressAt ?? null,
    ]);
    return toRecord(rows[0]!);
  }

  async complete(workerId: number, success: boolean): Promise<WorkerRecord> {
    const { rows } = await (await this.database()).query<WorkerRow>(COUNT, [this.host, workerId, success ? 1 : 0, success ? 0 : 1, 0]);
    await this.events.log(success ? 'INFO' : 'WARN', `Worker ${workerId} ${success ? 'completed a task' : 'failed a task'}.`);
    return toRecord(rows[0]!);
  }

  async restart(workerId: number): Promise<WorkerRecord> {
    const { rows } = await (await this.database()).query<WorkerRow>(COUNT, [this.host, workerId, 0, 0, 1]);
    const record = toRecord(rows[0]!);
    await this.events.log('INFO', `Worker ${workerId} restarted (restart ${record.restarts}).`);
    return record;
  }

  async retireWorkersExcept(keep: ReadonlySet<number>): Promise<number[]> {
    const { rows } = await (
      await this.database()
    ).query<{ worker_id: number }>(
      `UPDATE hw_workers SET status = 'stopped', current_task = 'none', task_started_at = NULL
       WHERE host = $1 AND NOT (worker_id = ANY($2::integer[])) AND NOT (status = 'stopped' AND current_task = 'none')
       RETURNING worker_id`,
      [this.host, [...keep]],
    );
    return rows.map((row) => row.worker_id).sort((a, b) => a - b);
  }

  /** This host's rows move to hw_worker_resets in one transaction: nothing is lost. */
  async reset(): Promise<string> {
    const id = await (
      await this.database()
    ).transaction(async (client) => {
      const saved = await client.query<{ id: string }>(
        `INSERT INTO hw_worker_resets (host, workers)
         SELECT $1, COALESCE(jsonb_agg(to_jsonb(w) ORDER BY worker_id), '[]'::jsonb) FROM hw_workers w WHERE host = $1
         RETURNING id`,
        [this.host],
      );
      await client.query('DELETE FROM hw_workers WHERE host = $1', [this.host]);
      return saved.rows[0]!.id;
    });
    const where = `row ${id} of table hw_worker_resets`;
    await this.events.log('INFO', `Metrics of host ${this.host} reset; the previous metrics are kept in ${where}.`);
    return where;
  }
}
