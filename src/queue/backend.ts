import type { Database } from '../adapters/postgres/database.js';

/**
 * The contract every queue backend meets (Pueue through its CLI, or the embedded file queue).
 * The worker, the manager, setup and worker-queue talk to a queue only through this interface.
 */

/** What `worker-queue add PRIORITY PARENT SUBISSUE` enqueues. Ids are digit strings. */
export interface TaskSpec {
  readonly subissue: string;
  readonly parent: string;
  /** 1 is the most urgent, as in the shell tool. */
  readonly priority: number;
  /**
   * The repository the sub-issue belongs to (src/adapters/github/repository-name.ts,
   * repositoryIdentity): GitHub owner/name, else the normalised origin URL, else the path.
   * Absent on tasks queued before it was recorded: "repository unknown".
   */
  readonly repo?: string;
  /**
   * The task's open blockers (docs/SPEC.md section 8.5): issues that must be finished first, each
   * `201` (the task's own repository) or `owner/name#201`. A queued task with any is blocked: no
   * worker claims it. The manager's pass (and a worker finishing a blocker) removes those found
   * finished with setBlockers. Absent or empty: nothing blocks it.
   */
  readonly blockedBy?: readonly string[];
  /**
   * A follow-up on the pull request the sub-issue's earlier task opened (docs/SPEC.md section
   * 14.3): what the agent is asked to do on the same branch. Absent: the task itself.
   */
  readonly kind?: TaskKind;
}

/** The kinds of follow-up (docs/SPEC.md section 14.3). */
export const TASK_KINDS = ['fix-ci', 'address-review', 'resolve-conflict'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/**
 * queued: waiting for a worker. claimed: a worker holds it (a run may or may not be in progress).
 * done / failed / review / cancelled: finished (review = the agent succeeded but left no new work;
 * cancelled = a person killed its run, which is neither retried nor counted as a failure).
 */
export type TaskStatus = 'queued' | 'claimed' | 'done' | 'failed' | 'review' | 'cancelled';
/** The statuses a worker finishes a task with. */
export type FinishedStatus = 'done' | 'failed' | 'review' | 'cancelled';

export interface QueueTask extends TaskSpec {
  /** The backend's key for the task (stable while the task exists). */
  readonly id: string;
  readonly status: TaskStatus;
  readonly workerId: number | null;
  /** Runs started so far (startRun increments it; requeue may set it). */
  readonly attempts: number;
  readonly createdAt: string;
  readonly claimedAt: string | null;
  readonly finishedAt: string | null;
  readonly lastError: string | null;
  /** A queue shared by several hosts (postgres): the host of the claiming worker, while claimed. */
  readonly host?: string;
  /** A queued task handed back with a backoff (postgres): no worker claims it before this instant. */
  readonly notBefore?: string;
}

/** How to run the agent for one attempt: argv (never a shell string), directory, extra environment. */
export interface ClaimOptions {
  readonly repo?: string;
}

export interface RunSpec {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * The names the run takes from the backend's base environment (the worker's): `NAME`, or
   * `PREFIX*`; names no agent may get are dropped whatever it says (src/core/agent-env.ts).
   * Absent: the whole base environment (the queue's own tests).
   */
  readonly inherit?: readonly string[];
  /** Where the agent's combined output is appended, on every backend (the runner writes it). */
  readonly outputFile?: string;
}

export type RunObservation =
  | { readonly state: 'none' }
  | { readonly state: 'running'; readonly startedAt: string }
  | { readonly state: 'exited'; readonly exitCode: number; readonly endedAt: string }
  /** byUser: `worker-queue kill` asked for it; the task is not to be retried. */
  | { readonly state: 'killed'; readonly endedAt: string | null; readonly byUser?: boolean }
  /** The run's process is gone without a recorded result (e.g. a daemon restart). */
  | { readonly state: 'lost' };

export interface QueueDepth {
  readonly queued: number;
  readonly claimed: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  readonly review: number;
  readonly cancelled: number;
}

/**
 * What a backend's watch saw change: the tasks (or the pool's pause), or a run's result. A worker
 * waiting for its run's end wakes only for results: in a busy pool the queue changes several
 * times per task, and each wake is a read of the whole queue.
 */
export type QueueChange = 'queue' | 'run';

export interface QueueBackend {
  readonly name: 'pueue' | 'embedded' | 'postgres';
  /** A queue shared by several hosts (postgres): this host's name (WORKER_HOST). */
  readonly host?: string;
  /** Refuses a subissue that is already queued or claimed unless `force`. */
  add(spec: TaskSpec, options?: { readonly force?: boolean }): Promise<QueueTask>;
  /**
   * Adds every spec whose subissue is not already queued or claimed (nor earlier in `specs`):
   * the embedded queue in one locked write, so all of them or none; Pueue one `pueue add` each.
   */
  addMany(specs: readonly TaskSpec[]): Promise<{ readonly added: number; readonly skippedActive: readonly string[] }>;
  list(): Promise<QueueTask[]>;
  get(id: string): Promise<QueueTask | undefined>;
  /**
   * Atomically hands the next task (lowest priority number, then oldest) to `workerId`. A worker
   * that already holds a claimed task gets that task back, so a restarted worker re-attaches.
   * `repo`: only tasks of that repository (or of unknown repository) are handed out, so a pool
   * never works another repository's issues (docs/SPEC.md section 8.2). A task with open
   * blockers (TaskSpec.blockedBy) is never handed out.
   */
  claim(workerId: number, options?: ClaimOptions): Promise<QueueTask | undefined>;
  /**
   * Replaces the task's open blockers (TaskSpec.blockedBy); an empty list makes a queued task
   * claimable. Claim never hands out a task with open blockers, so the rule is as atomic as claim.
   */
  setBlockers(id: string, blockedBy: readonly string[]): Promise<void>;
  /**
   * Gives a task queued before repositories were recorded ("repository unknown") its repository;
   * refuses (conflict) a task that has one: a task never moves between repositories.
   */
  assignRepository(id: string, repo: string): Promise<void>;
  /** Starts one attempt as a process that outlives the worker; increments `attempts`. */
  startRun(id: string, run: RunSpec): Promise<void>;
  observeRun(id: string): Promise<RunObservation>;
  /**
   * SIGTERM to the run's whole process group, SIGKILL after `graceMs`; resolves when it is gone.
   * `byUser` marks the run so that observeRun reports it killed by the user, however it ended.
   */
  killRun(id: string, graceMs: number, options?: { readonly byUser?: boolean }): Promise<void>;
  /**
   * Back to `queued` for any worker; `attempts` replaces the count when given. `delayMs`: a
   * failed task handed back during its backoff; a shared queue (postgres) lets no host claim it
   * for that long (by the database's clock). The single-host backends take it at once.
   */
  requeue(id: string, options?: { readonly error?: string; readonly attempts?: number; readonly delayMs?: number }): Promise<void>;
  finish(id: string, outcome: { readonly status: FinishedStatus; readonly error?: string }): Promise<void>;
  remove(id: string): Promise<void>;
  /** Removes finished tasks older than `days`; returns how many. */
  clean(days: number): Promise<number>;
  depth(): Promise<QueueDepth>;
  /**
   * Calls `listener` when the queue or a run's result may have changed, saying which: a hint to
   * look again (it may also fire for nothing), never a replacement for polling. Resolves to the
   * function that stops watching. A backend without it is only polled.
   */
  watch?(listener: (change: QueueChange) => void): Promise<() => void>;
  /** What only some backends can do; callers ask for a capability, never for a backend's name. */
  readonly capabilities: QueueCapabilities;
  /** Why a run of this backend can be gone without a result, for the worker's message. */
  readonly lostRunCause: string;
}

/**
 * Leases (postgres): a claim stays its worker's while the worker's heartbeat renews it; a claim
 * whose lease ran out goes back to the queue and its old holder is fenced off.
 */
export interface QueueLeases {
  /** How long a claim stays its worker's without a renewal (LEASE_TIMEOUT). */
  readonly leaseMs: number;
  /** Renews the lease of what `workerId` holds. */
  renewLeases(workerId: number): Promise<void>;
  /**
   * Refuses (conflict) unless this process still holds task `id`, and renews its lease; the worker
   * asks before it records an outcome, so a worker whose task moved on records nothing.
   */
  confirmLease(id: string): Promise<void>;
}

/** Optional features of a backend (docs/GLOSSARY.md, "capability"). Absent: the backend has none. */
export interface QueueCapabilities {
  readonly leases?: QueueLeases;
  /**
   * A queue shared by several hosts: `kill` of a run on another host only records the request in
   * the task's row; that host's manager calls this at every pass, which stops the requested runs
   * of this host as `killRun` does and returns their task ids.
   */
  readonly actOnKillRequests?: (graceMs: number) => Promise<string[]>;
  /** The database the queue holds open, which the pool-wide pause shares (no connections of its own). */
  readonly database?: Database;
  /** How often an idle worker looks at the queue when `watch`'s hints may be missed (POSTGRES_POLL_INTERVAL). */
  readonly idlePollMs?: number;
  /**
   * A queue shared by several hosts: one pull-request watcher per pull request across the fleet
   * (docs/SPEC.md section 14.2). The single-host backends have one watcher per data root already.
   */
  readonly pullRequestLeases?: PullRequestLeases;
}

/** A lease per pull request, taken and renewed by the watcher that acts on it (follow-ups, merges). */
export interface PullRequestLeases {
  /** Takes or renews the lease of `key` for `holder`; false while another holder's lease runs. By the database's clock. */
  take(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Renews every lease `holder` holds. */
  renew(holder: string, ttlMs: number): Promise<void>;
}
