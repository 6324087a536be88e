import { z } from 'zod';
import { TASK_KINDS } from '../queue/backend.js';
import { JsonFile } from '../core/json-store.js';
import { workerStateFile, type DataPaths } from '../core/paths.js';
import { REPORTED_STATUSES } from '../health/metrics-schema.js';
import { ERROR_CLASSES } from '../history/task-history.js';
import { issueContextSchema } from '../github/issue-context.js';

/**
 * `state/worker-<id>.state`: written at every transition so a worker restarted after a crash knows
 * which task it held, in which phase, at which attempt, and picks up from there.
 *
 * phases: preparing (worktree) -> running (agent run started) -> backoff (waiting to retry the
 * agent, or only the delivery when `delivery` is set) -> recording (outcome decided, being
 * recorded) -> the task is cleared.
 */
export const TASK_PHASES = ['preparing', 'running', 'backoff', 'recording'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];

const finalSchema = z.object({
  /** The pull request the task ended in (GitHub mode). */
  pull_request: z.object({ number: z.number().int().positive(), url: z.string() }).nullable().default(null),
  /** `unverified`: the queue's `review`, recorded as its own outcome (docs/SPEC.md section 15.3). */
  status: z.enum(['done', 'review', 'failed', 'cancelled', 'unverified']),
  error: z.string().nullable(),
  error_class: z.enum(ERROR_CLASSES).nullable(),
  ended_at: z.string(),
  usage: z.record(z.union([z.string(), z.number()])),
});

const taskStateSchema = z.object({
  queue_task_id: z.string(),
  subissue: z.string(),
  parent: z.string(),
  repo: z.string(),
  worktree: z.string(),
  branch: z.string(),
  base_branch: z.string(),
  phase: z.enum(TASK_PHASES),
  /** Attempts started so far (the backend's count). */
  attempt: z.number().int().nonnegative(),
  started_at: z.string(),
  attempt_started_at: z.string().nullable(),
  retry_at: z.string().nullable(),
  output_file: z.string().nullable(),
  /** Commits the branch had over the base when this attempt started: more afterwards are this attempt's. */
  commits_at_start: z.number().int().nonnegative().nullable().default(null),
  session_id: z.string().nullable(),
  /** The worker whose agent state holds that session (it may have been started by another worker). */
  session_worker: z.number().int().positive().nullable().default(null),
  /** Some attempt of this task continued an earlier attempt's session. */
  resumed: z.boolean().default(false),
  /** Attempts of this task stopped for want of progress (the stall ladder). */
  stalled_attempts: z.number().int().nonnegative().default(0),
  last_error_class: z.enum(ERROR_CLASSES).nullable(),
  last_error: z.string().nullable(),
  /** The backend's run count once this attempt's run has started (tells a restart whether it did). */
  expected_runs: z.number().int().nonnegative(),
  /** The outcome being recorded (phase `recording`). */
  final: finalSchema.nullable(),
  /** The issue text fetched at claim time (GitHub mode); a resumed attempt does not fetch again. */
  issue: issueContextSchema.nullable().default(null),
  /** A follow-up's kind (docs/SPEC.md section 14.3); null for the task itself. */
  kind: z.enum(TASK_KINDS).nullable().default(null),
  /** A follow-up's data (fenced), fetched once when its first attempt starts. */
  followup_data: z.string().nullable().default(null),
  /** History and counters written, so a crash while recording does not record twice. */
  recorded: z.boolean(),
  /** GitHub mode: the branch was checked against its pull requests (a closed one moves the task to `-2`). */
  branch_checked: z.boolean().default(false),
  /** The commit this task last pushed to origin: a retried delivery does not push it again. */
  pushed_commit: z.string().nullable().default(null),
  /**
   * The agent finished with new commits but their delivery (push, pull request) failed: the next
   * try after the backoff delivers again without running the agent (docs/SPEC.md section 14.1).
   */
  delivery: z
    .object({
      /** Deliveries tried so far. */
      tries: z.number().int().positive(),
      /** The finished attempt's usage, under the history record's names. */
      usage: z.record(z.union([z.string(), z.number()])),
    })
    .nullable()
    .default(null),
  /** WORKER_SETUP_CMD has passed in this worktree (a worktree made again runs it again). */
  setup_done: z.boolean().default(false),
  /**
   * WORKER_VERIFY_CMD's last result (docs/SPEC.md section 15.3): rounds run, whether the last
   * passed, the end of a failing one's output, and the attempt whose round it judged (a restart
   * judging that run again takes this result, not a second run of the command).
   */
  verify: z
    .object({
      rounds: z.number().int().positive(),
      passed: z.boolean(),
      tail: z.string(),
      attempt: z.number().int().nonnegative(),
    })
    .nullable()
    .default(null),
});

export const workerStateSchema = z.object({
  version: z.literal(1),
  worker_id: z.number().int().positive(),
  status: z.enum(REPORTED_STATUSES),
  pid: z.number().int().positive().nullable(),
  updated_at: z.string().nullable(),
  task: taskStateSchema.nullable(),
});

export type WorkerState = z.infer<typeof workerStateSchema>;
export type TaskState = z.infer<typeof taskStateSchema>;

export const emptyWorkerState = (workerId: number): WorkerState => ({
  version: 1,
  worker_id: workerId,
  status: 'starting',
  pid: null,
  updated_at: null,
  task: null,
});

export function openWorkerState(paths: DataPaths, workerId: number, lockStaleMs: number, now: () => Date): JsonFile<WorkerState> {
  return new JsonFile<WorkerState>({
    path: workerStateFile(paths, workerId),
    schema: workerStateSchema,
    empty: () => emptyWorkerState(workerId),
    lockStaleMs,
    now,
  });
}
