import type { NotifyEvent, NotifyKind } from './events.js';
import { withErrorClass } from '../core/error-text.js';
import type { FinishedTask, Observation, WorkerLook } from './observation.js';

/** Finished tasks by result since the queue last had work: the summary of a `queue_drained`. */
export interface FinishedCounts {
  readonly success: number;
  readonly review: number;
  readonly failed: number;
}

/**
 * Every event says what happened, why, and the command that acts on it (docs/SPEC.md section 13):
 * the same three facts the ALERT line gives, as text and as the fields `cause` and `command`.
 */
function told(
  kind: NotifyKind,
  at: string,
  what: string,
  cause: string,
  command: string,
  facts: Partial<Pick<NotifyEvent, 'worker' | 'task' | 'parent' | 'title' | 'pull_requests'>> = {},
): NotifyEvent {
  return { kind, at, ...facts, cause, command, summary: `${what} Cause: ${cause}. Next: ${command}` };
}

const workerEvents = (id: number, before: WorkerLook | undefined, now: WorkerLook, at: string): NotifyEvent[] => {
  const events: NotifyEvent[] = [];
  const was = before ?? { health: 'unknown', restarts: now.restarts, gave_up: false, stalled: false, task: 'none' };
  const reason = now.reason ?? null;
  if (now.health === 'dead' && was.health !== 'dead')
    events.push(
      told(
        'worker_dead',
        at,
        `Worker ${id} is dead.`,
        'no heartbeat for longer than DEAD_WORKER_THRESHOLD',
        `worker-manager restart ${id}`,
        {
          worker: id,
        },
      ),
    );
  if (now.restarts > was.restarts)
    events.push(
      told('worker_restarted', at, `Worker ${id} was restarted.`, reason ?? 'it stopped unexpectedly', 'worker-manager logs', {
        worker: id,
      }),
    );
  if (now.gave_up && !was.gave_up)
    events.push(
      told(
        'worker_gave_up',
        at,
        `Worker ${id} gave up after repeated crashes; it is left stopped.`,
        reason ?? 'repeated unstable restarts',
        `worker-manager restart ${id}`,
        { worker: id },
      ),
    );
  if (now.stalled && !(was.stalled && was.task === now.task)) {
    events.push(
      told(
        'agent_stalled',
        at,
        `Worker ${id}: the agent on task ${now.task} shows no progress.`,
        'no new output or commit for longer than PROGRESS_STALL_THRESHOLD',
        `none needed, the attempt is stopped and retried at STALL_STOP_FACTOR (worker-manager restart ${id} to act now)`,
        { worker: id, task: now.task },
      ),
    );
  }
  return events;
};

function pauseEvents(before: Observation['pause'], now: Observation['pause'], at: string): NotifyEvent[] {
  if (now !== null && (before === null || before.kind !== now.kind || before.until !== now.until)) {
    return now.kind === 'auth'
      ? [told('auth_hold', at, 'The pool is on hold until a person acts.', now.message, 'log in again, then worker-manager resume')]
      : [
          told(
            'pool_paused',
            at,
            `The pool is paused by a usage limit until ${now.until}.`,
            now.message,
            'none needed, it resumes by itself (worker-manager resume resumes it now)',
          ),
        ];
  }
  if (now === null && before !== null) {
    const cause = before.kind === 'auth' ? 'the hold was lifted (worker-manager resume)' : 'the usage limit ended';
    return [told('pool_resumed', at, 'The pool resumed.', cause, 'worker-manager status')];
  }
  return [];
}

const LEVELS = { ok: 0, warning: 1, reached: 2 } as const;

/** A budget that crossed 80% or 100% since the last look: told once per budget and level. */
function budgetEvents(before: Observation['budgets'], now: Observation['budgets'], at: string): NotifyEvent[] {
  return Object.entries(now ?? {}).flatMap(([key, seen]) => {
    const was = before?.[key]?.level ?? 'ok';
    if (LEVELS[seen.level] <= LEVELS[was]) return [];
    return seen.level === 'reached'
      ? [
          told(
            'budget_reached',
            at,
            `No new attempt starts: ${seen.text}.`,
            'the agents spent the budget (running attempts finish)',
            seen.command,
          ),
        ]
      : [told('budget_warning', at, `The pool has spent 80% of a budget: ${seen.text}.`, 'the agents reported these costs', seen.command)];
  });
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The events between two looks: pure, so a restarted manager that compares with the look it
 * saved finds only what changed since, and resends nothing. `finished`: the tasks finished since
 * the queue last had work, the summary of a drained queue.
 */
export function detectEvents(
  before: Observation,
  now: Observation,
  at: string,
  finished: FinishedCounts = { success: 0, review: 0, failed: 0 },
): NotifyEvent[] {
  const events = Object.entries(now.workers)
    .sort(([a], [b]) => Number(a) - Number(b))
    .flatMap(([id, look]) => workerEvents(Number(id), before.workers[id], look, at));
  events.push(...pauseEvents(before.pause, now.pause, at));
  events.push(...budgetEvents(before.budgets, now.budgets, at));
  if (now.reviews != null && before.reviews == null)
    events.push(
      told(
        'review_wait',
        at,
        `No new task starts: ${now.reviews}.`,
        "the pool's open pull requests reached MAX_OPEN_PRS without an approving review",
        'review or merge the open pull requests (worker-queue status lists them)',
      ),
    );
  if (before.active_tasks !== null && before.active_tasks > 0 && now.active_tasks === 0) {
    const summary = `${plural(finished.success, 'task')} done, ${finished.review} in review, ${finished.failed} failed`;
    events.push(
      told(
        'queue_drained',
        at,
        `The queue is drained: no task is waiting or running (${summary}).`,
        'every queued task has finished',
        'worker-queue status',
      ),
    );
  }
  return events;
}

/** A failed or review task from the history; successes are not news, nor is a kill the person asked for. */
export function taskEvent(task: FinishedTask, at: string): NotifyEvent | null {
  if (task.result === 'success' || task.result === 'cancelled') return null;
  const facts = {
    worker: task.worker_id,
    task: task.task_id,
    parent: task.parent,
    ...(task.title === null ? {} : { title: task.title }),
  };
  // Unverified work waits for a person as review does: its error says what failed.
  if (task.result === 'review' || task.result === 'unverified')
    return told(
      'task_review',
      at,
      `Task ${task.task_id} (parent ${task.parent}) was sent to review.`,
      task.error ?? task.error_class ?? 'its outcome needs a person',
      `worker-queue status ${task.parent}`,
      facts,
    );
  const cause = withErrorClass(task.error_class, task.error);
  return told(
    'task_failed',
    at,
    `Task ${task.task_id} (parent ${task.parent}) failed for good.`,
    cause,
    'worker-queue list, then worker-queue retry with its id',
    facts,
  );
}

/** Every sub-issue of a parent is done: the pull requests they ended in, from the history. */
export function parentDeliveredEvent(parent: string, pullRequests: readonly string[], tasks: number, at: string): NotifyEvent {
  const list = pullRequests.length === 0 ? 'no pull request recorded' : pullRequests.join(', ');
  return told(
    'parent_delivered',
    at,
    `Parent issue ${parent}: all ${plural(tasks, 'sub-issue')} delivered (${list}).`,
    'its last sub-issue finished',
    `worker-queue status ${parent}`,
    { parent, pull_requests: [...pullRequests] },
  );
}
