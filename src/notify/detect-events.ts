import type { NotifyEvent } from './events.js';
import type { FinishedTask, Observation, WorkerLook } from './observation.js';

const workerEvents = (id: number, before: WorkerLook | undefined, now: WorkerLook, at: string): NotifyEvent[] => {
  const events: NotifyEvent[] = [];
  const was = before ?? { health: 'unknown', restarts: now.restarts, gave_up: false, stalled: false, task: 'none' };
  if (now.health === 'dead' && was.health !== 'dead')
    events.push({ kind: 'worker_dead', at, worker: id, summary: `Worker ${id} is dead (no heartbeat).` });
  if (now.restarts > was.restarts) events.push({ kind: 'worker_restarted', at, worker: id, summary: `Worker ${id} was restarted.` });
  if (now.gave_up && !was.gave_up)
    events.push({ kind: 'worker_gave_up', at, worker: id, summary: `Worker ${id} gave up after repeated crashes; it is left stopped.` });
  if (now.stalled && !(was.stalled && was.task === now.task)) {
    events.push({
      kind: 'agent_stalled',
      at,
      worker: id,
      task: now.task,
      summary: `Worker ${id}: the agent on task ${now.task} shows no progress.`,
    });
  }
  return events;
};

function pauseEvents(before: Observation['pause'], now: Observation['pause'], at: string): NotifyEvent[] {
  if (now !== null && (before === null || before.kind !== now.kind || before.until !== now.until)) {
    return now.kind === 'auth'
      ? [{ kind: 'auth_hold', at, summary: `The pool is on hold until a person acts: ${now.message}` }]
      : [{ kind: 'pool_paused', at, summary: `The pool is paused by a usage limit until ${now.until}.` }];
  }
  if (now === null && before !== null) return [{ kind: 'pool_resumed', at, summary: 'The pool resumed.' }];
  return [];
}

/**
 * The events between two looks: pure, so a restarted manager that compares with the look it
 * saved finds only what changed since, and resends nothing.
 */
export function detectEvents(before: Observation, now: Observation, at: string): NotifyEvent[] {
  const events = Object.entries(now.workers)
    .sort(([a], [b]) => Number(a) - Number(b))
    .flatMap(([id, look]) => workerEvents(Number(id), before.workers[id], look, at));
  events.push(...pauseEvents(before.pause, now.pause, at));
  if (before.active_tasks !== null && before.active_tasks > 0 && now.active_tasks === 0) {
    events.push({ kind: 'queue_drained', at, summary: 'The queue is drained: no task is waiting or running.' });
  }
  return events;
}

/** A failed or review task from the history; successes are not news, nor is a kill the person asked for. */
export function taskEvent(task: FinishedTask, at: string): NotifyEvent | null {
  if (task.result === 'success' || task.result === 'cancelled') return null;
  const facts = {
    at,
    worker: task.worker_id,
    task: task.task_id,
    parent: task.parent,
    ...(task.title === null ? {} : { title: task.title }),
  };
  if (task.result === 'review')
    return { kind: 'task_review', ...facts, summary: `Task ${task.task_id} (parent ${task.parent}) was sent to review.` };
  const why = task.error_class === null ? '' : ` (${task.error_class}${task.error ? `: ${task.error}` : ''})`;
  return { kind: 'task_failed', ...facts, summary: `Task ${task.task_id} (parent ${task.parent}) failed for good${why}.` };
}
