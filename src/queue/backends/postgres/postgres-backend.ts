/**
 * The shared queue in PostgreSQL: every host's workers claim from one table. A claim is one
 * statement (`FOR UPDATE SKIP LOCKED`) that gives a worker back the task it holds first and carries
 * a fencing token; finish/requeue from the process that claimed present it, so a worker whose task
 * was taken back and handed on cannot record a result for it. Runs stay on the host that started
 * them: their records (pid, run files) are that host's, and other hosts only see that a run exists.
 */
import { join } from 'node:path';
import { WorkersError } from '../../../core/errors.js';
import type { Database } from '../../../adapters/postgres/database.js';
import { pullRequestLeasesOf } from './pull-request-leases.js';
import { listenFor } from '../../../adapters/postgres/listener.js';
import { isRecordedProcessAlive, killProcessGroup } from '../../../adapters/process.js';
import type {
  TaskKind,
  ClaimOptions,
  QueueBackend,
  QueueDepth,
  QueueTask,
  RunObservation,
  RunSpec,
  TaskSpec,
  QueueCapabilities,
  FinishedStatus,
  QueueChange,
} from '../../backend.js';
import { notFound, type BackendOptions } from '../../backend-options.js';
import type { EmbeddedRun } from '../embedded/embedded-store.js';
import { isLocalRunInProgress, observeLocalRun, startLocalRun } from '../../runs/local-run.js';
import { isRunResultName, removeRunFiles, runFilesFor } from '../../runs/run-files.js';
import { duplicateError, repositoryKept, validateBlockers, validateTaskSpec, withoutActiveDuplicates } from '../../task-rules.js';
import { watchDirs } from '../../runs/watch-dirs.js';

export interface PostgresBackendOptions extends BackendOptions {
  readonly database: Database;
  /** This host's name (WORKER_HOST): workers are (host, id). */
  readonly host: string;
  readonly leaseMs: number;
  /** POSTGRES_POLL_INTERVAL: an idle worker's look at the queue behind LISTEN. */
  readonly idlePollMs: number;
}

type HostRun = EmbeddedRun & { readonly host: string };

interface TaskRow {
  id: string;
  subissue: string;
  parent: string;
  priority: number;
  repo: string | null;
  blocked_by: string[];
  kind: TaskKind | null;
  status: QueueTask['status'];
  host: string | null;
  worker_id: number | null;
  attempts: number;
  not_before: Date | null;
  created_at: Date;
  claimed_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
  lease_token: string | null;
  run: HostRun | null;
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const toQueueTask = (row: TaskRow): QueueTask => ({
  id: row.id,
  subissue: row.subissue,
  parent: row.parent,
  priority: row.priority,
  ...(row.repo === null ? {} : { repo: row.repo }),
  ...(row.blocked_by.length === 0 ? {} : { blockedBy: row.blocked_by }),
  ...(row.kind === null || row.kind === undefined ? {} : { kind: row.kind }),
  status: row.status,
  workerId: row.worker_id,
  attempts: row.attempts,
  createdAt: row.created_at.toISOString(),
  claimedAt: iso(row.claimed_at),
  finishedAt: iso(row.finished_at),
  lastError: row.last_error,
  ...(row.status === 'claimed' && row.host !== null ? { host: row.host } : {}),
  ...(row.status === 'queued' && row.not_before !== null ? { notBefore: row.not_before.toISOString() } : {}),
});

const ID = /^[1-9]\d{0,17}$/;

const lostLease = (id: string) =>
  new WorkersError(
    'conflict',
    `Task ${id} is no longer held by this worker (its lease was lost and the task moved on); nothing was recorded.`,
  );

/** Held task first (re-attach), else the next queued one; one statement, safe under concurrency. */
const CLAIM = `
  WITH held AS (
    SELECT id FROM hw_tasks WHERE status = 'claimed' AND host = $1 AND worker_id = $2 ORDER BY id LIMIT 1
  ), next AS (
    SELECT id FROM hw_tasks
    WHERE status = 'queued' AND (not_before IS NULL OR not_before <= now()) AND NOT EXISTS (SELECT 1 FROM held)
      AND ($4::text IS NULL OR repo IS NULL OR repo = $4) AND cardinality(blocked_by) = 0
    ORDER BY priority, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
  )
  UPDATE hw_tasks t SET
    status = 'claimed', host = $1, worker_id = $2,
    claimed_at = CASE WHEN t.status = 'queued' THEN now() ELSE t.claimed_at END,
    lease_token = CASE WHEN t.status = 'queued' THEN nextval('hw_lease_tokens') ELSE t.lease_token END,
    lease_expires_at = now() + $3 * interval '1 millisecond'
  WHERE t.id IN (SELECT id FROM held UNION ALL SELECT id FROM next)
  RETURNING t.*`;

/**
 * Expired leases back to the queue, their attempts kept as counted; the token is dropped, so the
 * old holder's finish or requeue is refused. The database's clock decides, never a host's.
 */
const SWEEP = `
  UPDATE hw_tasks SET status = 'queued', last_error = 'lease of ' || host || '/' || worker_id || ' expired', host = NULL, worker_id = NULL,
    claimed_at = NULL, run = NULL, lease_token = NULL, lease_expires_at = NULL
  WHERE status = 'claimed' AND lease_expires_at < now()`;

/** A fenced change: applies only while the row still carries the token this process claimed it with. */
const FENCE = '($2::bigint IS NULL OR lease_token = $2)';

export class PostgresBackend implements QueueBackend {
  readonly name = 'postgres';
  readonly host: string;
  private readonly runsDir: string;
  /** Fencing tokens of the tasks this process claimed. */
  private readonly tokens = new Map<string, string>();

  constructor(private readonly options: PostgresBackendOptions) {
    this.runsDir = join(options.queueDir, 'runs');
    this.host = options.host;
  }

  readonly lostRunCause = "the runner's process is gone";

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  /** Leases, kills through the task's row, and the database the pool-wide pause shares. */
  get capabilities(): QueueCapabilities {
    return {
      leases: { leaseMs: this.options.leaseMs, renewLeases: (id) => this.renewLeases(id), confirmLease: (id) => this.confirmLease(id) },
      actOnKillRequests: (graceMs) => this.actOnKillRequests(graceMs),
      database: this.options.database,
      idlePollMs: this.options.idlePollMs,
      pullRequestLeases: pullRequestLeasesOf(this.options.database),
    };
  }

  async add(spec: TaskSpec, options: { readonly force?: boolean } = {}): Promise<QueueTask> {
    const valid = validateTaskSpec(spec);
    const row = await this.options.database.transaction(async (client) => {
      // Serialises adds of one subissue, so two hosts cannot both pass the duplicate check.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('hw-subissue:' || $1))", [valid.subissue]);
      if (options.force !== true) {
        const active = await client.query<TaskRow>(
          "SELECT * FROM hw_tasks WHERE subissue = $1 AND repo IS NOT DISTINCT FROM $2 AND status IN ('queued', 'claimed') ORDER BY id LIMIT 1",
          [valid.subissue, valid.repo ?? null],
        );
        if (active.rows[0]) throw duplicateError(toQueueTask(active.rows[0]));
      }
      const inserted = await client.query<TaskRow>(
        'INSERT INTO hw_tasks (subissue, parent, priority, repo, blocked_by, kind) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
        [valid.subissue, valid.parent, valid.priority, valid.repo ?? null, valid.blockedBy ?? [], valid.kind ?? null],
      );
      return inserted.rows[0]!;
    });
    return toQueueTask(row);
  }

  /** One transaction, so all of them or none; add()'s per-subissue locks, in one order, so an add elsewhere waits. */
  async addMany(specs: readonly TaskSpec[]): Promise<{ added: number; skippedActive: string[] }> {
    const valid = specs.map(validateTaskSpec);
    const subissues = [...new Set(valid.map((spec) => spec.subissue))].sort();
    return this.options.database.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('hw-subissue:' || s)) FROM unnest($1::text[]) AS s ORDER BY s", [
        subissues,
      ]);
      const active = await client.query<TaskRow>(
        "SELECT * FROM hw_tasks WHERE status IN ('queued', 'claimed') AND subissue = ANY($1::text[])",
        [subissues],
      );
      const { toAdd, skippedActive } = withoutActiveDuplicates(active.rows.map(toQueueTask), valid);
      if (toAdd.length > 0) {
        const columns = [
          toAdd.map((spec) => spec.subissue),
          toAdd.map((spec) => spec.parent),
          toAdd.map((spec) => spec.priority),
          toAdd.map((spec) => spec.repo ?? null),
          // A text[] per row cannot be unnested as one array: each list travels as JSON text.
          toAdd.map((spec) => JSON.stringify(spec.blockedBy ?? [])),
          toAdd.map((spec) => spec.kind ?? null),
        ];
        await client.query(
          `INSERT INTO hw_tasks (subissue, parent, priority, repo, blocked_by, kind)
           SELECT s, p, r, g, ARRAY(SELECT jsonb_array_elements_text(b::jsonb)), k
           FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(s, p, r, g, b, k, n) ORDER BY n`,
          columns,
        );
      }
      return { added: toAdd.length, skippedActive };
    });
  }

  async list(): Promise<QueueTask[]> {
    return (await this.options.database.query<TaskRow>('SELECT * FROM hw_tasks ORDER BY id')).rows.map(toQueueTask);
  }

  async get(id: string): Promise<QueueTask | undefined> {
    const row = await this.findRow(id);
    return row && toQueueTask(row);
  }

  async claim(workerId: number, options: ClaimOptions = {}): Promise<QueueTask | undefined> {
    // Every claimer sweeps first, so a dead host's tasks move on without waiting for a manager.
    await this.options.database.query(SWEEP);
    const row = (
      await this.options.database.query<TaskRow>(CLAIM, [this.options.host, workerId, this.options.leaseMs, options.repo ?? null])
    ).rows[0];
    if (!row) return undefined;
    if (row.lease_token !== null) this.tokens.set(row.id, row.lease_token);
    return toQueueTask(row);
  }

  async setBlockers(id: string, blockedBy: readonly string[]): Promise<void> {
    const row = await this.requireRow(id);
    await this.options.database.query('UPDATE hw_tasks SET blocked_by = $2 WHERE id = $1', [
      row.id,
      validateBlockers(blockedBy, row.subissue),
    ]);
  }

  async assignRepository(id: string, repo: string): Promise<void> {
    const row = await this.requireRow(id);
    const set = await this.options.database.query('UPDATE hw_tasks SET repo = $2 WHERE id = $1 AND repo IS NULL RETURNING id', [
      row.id,
      repo,
    ]);
    if (set.rows.length === 0) throw repositoryKept(id, (await this.requireRow(id)).repo ?? 'another repository');
  }

  async renewLeases(workerId: number): Promise<void> {
    await this.options.database.query(
      "UPDATE hw_tasks SET lease_expires_at = now() + $3 * interval '1 millisecond' WHERE status = 'claimed' AND host = $1 AND worker_id = $2",
      [this.options.host, workerId, this.options.leaseMs],
    );
  }

  async confirmLease(id: string): Promise<void> {
    await this.fenced(
      id,
      `UPDATE hw_tasks SET lease_expires_at = now() + $3 * interval '1 millisecond' WHERE id = $1 AND status = 'claimed' AND ${FENCE} RETURNING id`,
      [this.options.leaseMs],
    );
  }

  async startRun(id: string, spec: RunSpec): Promise<void> {
    const row = await this.requireRow(id);
    if (row.status !== 'claimed') throw new WorkersError('conflict', `Task ${id} is ${row.status}; only a claimed task can start a run.`);
    if (row.run && this.isRunAlive(row.run)) throw new WorkersError('conflict', `Task ${id} already has a run in progress.`);
    // Checked before the process starts: a task that moved on while this worker was cut off gets no second run here.
    const token = this.tokens.get(id);
    if (token !== undefined && row.lease_token !== token) throw lostLease(id);
    const key = `${id}-${row.attempts + 1}`;
    const place = { queueDir: this.options.queueDir, runsDir: this.runsDir, env: this.options.env, now: this.options.now };
    const run: HostRun = { ...(await startLocalRun(place, key, spec)), host: this.options.host };
    await this.fenced(id, `UPDATE hw_tasks SET attempts = attempts + 1, run = $3 WHERE id = $1 AND ${FENCE} RETURNING id`, [
      JSON.stringify(run),
    ]);
  }

  async observeRun(id: string): Promise<RunObservation> {
    const row = await this.findRow(id);
    if (!row?.run) return { state: 'none' };
    if (row.run.host === this.options.host) return observeLocalRun(this.runsDir, row.run);
    // Another host's run: its process is out of sight; it counts as running while it holds the task.
    return row.status === 'claimed' ? { state: 'running', startedAt: row.run.startedAt } : { state: 'lost' };
  }

  async killRun(id: string, graceMs: number, options: { readonly byUser?: boolean } = {}): Promise<void> {
    const change = JSON.stringify({ killRequested: true, ...(options.byUser ? { killedByUser: true } : {}) });
    const row = (
      await this.options.database.query<TaskRow>(
        'UPDATE hw_tasks SET run = run || $2::jsonb WHERE id = $1 AND run IS NOT NULL RETURNING *',
        [this.validId(id), change],
      )
    ).rows[0];
    // Another host's run: the request stays in its row, and that host's manager acts on it.
    if (!row?.run || row.run.host !== this.options.host) return;
    await killProcessGroup(row.run, graceMs);
  }

  /** This host's runs that a kill from another host asked to stop: stopped, as a local kill stops them. */
  async actOnKillRequests(graceMs: number): Promise<string[]> {
    const rows = (
      await this.options.database.query<TaskRow>(
        "SELECT * FROM hw_tasks WHERE status = 'claimed' AND run->>'host' = $1 AND (run->>'killRequested')::boolean",
        [this.options.host],
      )
    ).rows.filter((row) => row.run !== null && isRecordedProcessAlive(row.run));
    await Promise.all(rows.map((row) => killProcessGroup(row.run!, graceMs)));
    return rows.map((row) => row.id);
  }

  async requeue(
    id: string,
    options: { readonly error?: string; readonly attempts?: number; readonly delayMs?: number } = {},
  ): Promise<void> {
    await this.refuseWhileRunning(id, 'requeued');
    await this.fenced(
      id,
      `UPDATE hw_tasks SET status = 'queued', host = NULL, worker_id = NULL, claimed_at = NULL, finished_at = NULL, run = NULL,
         lease_token = NULL, lease_expires_at = NULL, last_error = COALESCE($3, last_error), attempts = COALESCE($4, attempts),
         not_before = CASE WHEN $5::float8 > 0 THEN now() + $5 * interval '1 millisecond' END
       WHERE id = $1 AND ${FENCE} RETURNING id`,
      [options.error ?? null, options.attempts ?? null, options.delayMs ?? 0],
    );
    this.tokens.delete(id);
  }

  async finish(id: string, outcome: { readonly status: FinishedStatus; readonly error?: string }): Promise<void> {
    await this.fenced(
      id,
      `UPDATE hw_tasks SET status = $3, finished_at = now(), lease_token = NULL, lease_expires_at = NULL, last_error = COALESCE($4, last_error)
       WHERE id = $1 AND ${FENCE} RETURNING id`,
      [outcome.status, outcome.error ?? null],
    );
    this.tokens.delete(id);
  }

  async remove(id: string): Promise<void> {
    await this.refuseWhileRunning(id, 'removed');
    const row = (await this.options.database.query<TaskRow>('DELETE FROM hw_tasks WHERE id = $1 RETURNING *', [this.validId(id)])).rows[0];
    if (!row) throw notFound(id);
    await this.removeLocalRunFiles([row]);
  }

  async clean(days: number): Promise<number> {
    const removed = await this.options.database.query<TaskRow>(
      `DELETE FROM hw_tasks WHERE status IN ('done', 'failed', 'review', 'cancelled') AND COALESCE(finished_at, created_at) <= now() - $1 * interval '1 day' RETURNING *`,
      [days],
    );
    await this.removeLocalRunFiles(removed.rows);
    return removed.rows.length;
  }

  async depth(): Promise<QueueDepth> {
    const rows = (
      await this.options.database.query<{ status: QueueTask['status']; count: string; runs: HostRun[] | null }>(
        "SELECT status, count(*) AS count, array_agg(run) FILTER (WHERE run IS NOT NULL AND status = 'claimed') AS runs FROM hw_tasks GROUP BY status",
      )
    ).rows;
    const depth = { queued: 0, claimed: 0, running: 0, done: 0, failed: 0, review: 0, cancelled: 0 };
    for (const row of rows) {
      depth[row.status] = Number(row.count);
      for (const run of row.runs ?? []) if (this.isRunAlive(run)) depth.running += 1;
    }
    return depth;
  }

  /**
   * NOTIFY on every change of the tasks or the pool-wide pause (triggers), plus this host's run
   * results; a dropped LISTEN connection is opened again and then reports a change.
   */
  async watch(listener: (change: QueueChange) => void): Promise<() => void> {
    const stopListening = await listenFor(this.options.database, ['hw_queue', 'hw_pause'], () => listener('queue'));
    const stopDirs = await watchDirs([{ dir: this.runsDir, matches: isRunResultName, change: 'run' }], listener);
    return () => {
      stopDirs();
      stopListening();
    };
  }

  /** Another host's run is taken as alive while its task is claimed (its host holds the lease). */
  private isRunAlive(run: HostRun): boolean {
    return run.host === this.options.host ? isRecordedProcessAlive(run) : true;
  }

  private validId(id: string): string {
    if (!ID.test(id)) throw notFound(id);
    return id;
  }

  private async findRow(id: string): Promise<TaskRow | undefined> {
    if (!ID.test(id)) return undefined;
    return (await this.options.database.query<TaskRow>('SELECT * FROM hw_tasks WHERE id = $1', [id])).rows[0];
  }

  private async requireRow(id: string): Promise<TaskRow> {
    const row = await this.findRow(id);
    if (!row) throw notFound(id);
    return row;
  }

  private async refuseWhileRunning(id: string, verb: string): Promise<void> {
    const row = await this.requireRow(id);
    const run = row.status === 'claimed' ? row.run : null;
    if (run && (run.host === this.options.host ? await isLocalRunInProgress(this.runsDir, run) : true)) {
      throw new WorkersError('conflict', `Task ${id} has a run in progress; kill it before it can be ${verb}.`);
    }
  }

  /** Runs a statement with $1 = id, $2 = this process's token; refuses when the token no longer matches. */
  private async fenced(id: string, statement: string, values: readonly unknown[]): Promise<void> {
    const changed = await this.options.database.query(statement, [this.validId(id), this.tokens.get(id) ?? null, ...values]);
    if (changed.rowCount !== 0) return;
    await this.requireRow(id);
    // The lost token stays: this process stays fenced off this task (no token would mean admin).
    throw lostLease(id);
  }

  private async removeLocalRunFiles(rows: readonly TaskRow[]): Promise<void> {
    for (const row of rows) if (row.run?.host === this.options.host) await removeRunFiles(runFilesFor(this.runsDir, row.run.key));
  }
}
