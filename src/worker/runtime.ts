import { join } from 'node:path';
import type { AgentAdapter, TaskFacts } from '../agent/agent-adapter.js';
import type { SandboxHost } from '../adapters/bubblewrap/host-plan.js';
import { appendLine, formatAlertLine, type EventLog } from '../core/event-log.js';
import type { JsonFile } from '../core/json-store.js';
import { workerErrorLog, type DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import type { HealthStore } from '../health/health-store.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import type { BudgetGate } from '../pause/budget-gate.js';
import type { PoolPause } from '../pause/usage-pause.js';
import type { QueueBackend } from '../queue/backend.js';
import { retryCapMs, retryDelayMs } from './backoff.js';
import { fencedIssueData, plainTitle } from '../github/issue-context.js';
import type { WorkerControl } from './control.js';
import type { GithubLink } from '../github/deliver-pull-request.js';
import type { Heartbeat } from './heartbeat.js';
import type { QueueChanges } from './queue-changes.js';
import type { TaskSessions } from './task-sessions.js';
import type { TaskState, WorkerState } from './worker-state.js';

/** Everything a worker is given; time, randomness and the environment come in from outside. */
export interface WorkerDeps {
  readonly workerId: number;
  /** The repository the worktrees hang off (`--repo`, else the worker's cwd). */
  readonly repo: string;
  /** The branch new task branches start from (`--base`, else the repo's current branch). */
  readonly baseBranch: string;
  /** The repository's name as tasks record it: the worker claims only its tasks (and those of unknown repository). */
  readonly taskRepo?: string;
  readonly backend: QueueBackend;
  /** Opens the backend again (and starts its daemon) after a backend error. */
  readonly reconnect?: () => Promise<QueueBackend>;
  readonly agent: AgentAdapter;
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly health: HealthStore;
  /** Where the worker's finished tasks are recorded. */
  readonly history: TaskHistoryStore;
  readonly control: WorkerControl;
  readonly now: () => Date;
  readonly random: () => number;
  /** A line for the person watching the pane. */
  readonly say: (message: string) => void;
  /** GitHub mode (gh logged in, repository known; detected once by the caller), else undefined. */
  readonly github?: GithubLink;
  /** Longest wait between claims while the queue is empty. */
  readonly idlePollMs?: number;
  /** Between SIGTERM and SIGKILL when a run is stopped. */
  readonly killGraceMs?: number;
  /** The sandbox every attempt runs in (docs/SPEC.md section 15); undefined: none. */
  readonly sandbox?: SandboxHost;
}

export interface Runtime extends WorkerDeps {
  backendNow: QueueBackend;
  readonly heartbeat: Heartbeat;
  readonly stateFile: JsonFile<WorkerState>;
  /** The pool-wide dispatch pause (usage limit, or a hold until a person acts). */
  readonly pause: PoolPause;
  /** BUDGET_DAILY_USD and BUDGET_PARENT_USD: a reached budget starts no new attempt. */
  readonly budget: BudgetGate;
  readonly sessions: TaskSessions;
  /** The health log: WARN and ALERT lines for a person (ALERT also lands in the alerts log). */
  readonly events: EventLog;
  /** Wakes the idle wait and the wait for a run when the backend sees a change. */
  readonly changes: QueueChanges;
}

/**
 * An attempt's output file: named by the backend, the queue id and when this task was taken, so
 * no two tasks of any backend or repository share a name (Pueue's ids restart at 0).
 */
export const runOutputFile = (
  rt: Pick<Runtime, 'paths' | 'workerId' | 'backendNow'>,
  ts: Pick<TaskState, 'queue_task_id' | 'started_at'>,
  attempt: number,
) =>
  join(
    rt.paths.root,
    'runs',
    `worker-${rt.workerId}`,
    `task-${ts.queue_task_id}-${rt.backendNow.name}-${ts.started_at.replace(/[-:.]/g, '')}-attempt-${attempt}.log`,
  );

export function factsOf(rt: Runtime, ts: TaskState): TaskFacts {
  return {
    queueTaskId: ts.queue_task_id,
    subissue: ts.subissue,
    parent: ts.parent,
    workerId: rt.workerId,
    worktree: ts.worktree,
    branch: ts.branch,
    baseBranch: ts.base_branch,
    attempt: ts.attempt,
    ...(ts.attempt > 1 && ts.last_error_class ? { previousFailure: `${ts.last_error_class}: ${ts.last_error ?? ''}` } : {}),
    ...(ts.kind ? { kind: ts.kind, ...(ts.followup_data === null ? {} : { followUp: ts.followup_data }) } : {}),
    ...(ts.issue ? { issue: { title: plainTitle(ts.issue.title), data: fencedIssueData(ts.issue, ts.subissue, ts.parent) } } : {}),
    ...(rt.sandbox ? { sandboxed: true } : {}),
    ...(rt.settings.WORKER_VERIFY_CMD.trim() ? { verifyCommand: rt.settings.WORKER_VERIFY_CMD.trim() } : {}),
    ...(ts.verify && !ts.verify.passed ? { verifyFailure: { rounds: ts.verify.rounds, tail: ts.verify.tail } } : {}),
  };
}

/** Writes the task's state (or clears it) with the worker's status: every transition goes through here. */
export async function saveState(rt: Runtime, task: TaskState | null): Promise<void> {
  await rt.stateFile.update((draft) => {
    draft.status = rt.heartbeat.status;
    draft.pid = process.pid;
    draft.updated_at = rt.now().toISOString();
    draft.task = task === null ? null : structuredClone(task);
  });
}

/** `errors/worker-<id>.log`, one `[time] message` line per error; also shown in the pane. */
export async function logError(rt: Runtime, message: string): Promise<void> {
  rt.say(`error: ${message}`);
  await appendLine(workerErrorLog(rt.paths, rt.workerId), formatAlertLine(message, rt.now()), true).catch(() => undefined);
}

export class BackendFailure extends Error {}

/**
 * A backend call with recovery: on failure the worker reports `recovering`, reconnects (which
 * starts a stopped daemon) and tries again with growing delays; after MAX_RETRIES failures in a
 * row it gives up with a BackendFailure. `forever` keeps trying (used while idle).
 */
export async function withBackend<T>(rt: Runtime, what: string, call: (backend: QueueBackend) => Promise<T>, forever = false): Promise<T> {
  for (let failures = 1; ; failures += 1) {
    try {
      return await call(rt.backendNow);
    } catch (error) {
      const message = `${what} failed on the ${rt.backendNow.name} backend: ${(error as Error).message}`;
      await logError(rt, message);
      if (!forever && failures >= rt.settings.MAX_RETRIES) throw new BackendFailure(message, { cause: error });
      // A worker told to stop must not wait forever for a backend that is down.
      if (rt.control.aborting || (forever && rt.control.closed)) throw new BackendFailure(message, { cause: error });
      const previous = rt.heartbeat.status;
      rt.heartbeat.setStatus('recovering');
      const base = Math.max(rt.settings.RETRY_DELAY, 100);
      await rt.control.sleep(retryDelayMs(failures, base, retryCapMs(base), rt.random));
      if (rt.reconnect) rt.backendNow = await rt.reconnect().catch(() => rt.backendNow);
      rt.heartbeat.setStatus(previous);
    }
  }
}
