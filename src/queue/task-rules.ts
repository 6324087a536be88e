import { WorkersError, usageError } from '../core/errors.js';
import type { QueueDepth, QueueTask, TaskSpec } from './backend.js';

/** Priorities accepted everywhere (add, import): 1 is the most urgent, as in the shell tool. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 99;

const DIGITS = /^[1-9]\d{0,17}$/;

/** Refuses anything but positive decimal ids and an in-range priority: nothing else reaches Pueue. */
export function validateTaskSpec(spec: TaskSpec): TaskSpec {
  for (const [name, value] of [
    ['parent', spec.parent],
    ['subissue', spec.subissue],
  ] as const) {
    if (!DIGITS.test(value)) throw usageError(`The ${name} issue id ${JSON.stringify(value)} is not a positive number.`);
  }
  if (!Number.isInteger(spec.priority) || spec.priority < MIN_PRIORITY || spec.priority > MAX_PRIORITY) {
    throw usageError(
      `The priority ${JSON.stringify(spec.priority)} is out of range: use a whole number from ${MIN_PRIORITY} (most urgent) to ${MAX_PRIORITY}.`,
    );
  }
  return { subissue: spec.subissue, parent: spec.parent, priority: spec.priority };
}

/** Parses a priority argument; `text` is what the user typed. */
export function parsePriority(text: string): number {
  if (!/^\d{1,3}$/.test(text))
    throw usageError(`The priority ${JSON.stringify(text)} is not a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}.`);
  return Number(text);
}

/** Claim order: lowest priority number first, then the oldest, then the lowest id. */
export function compareForClaim(a: QueueTask, b: QueueTask): number {
  return a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || Number(a.id) - Number(b.id);
}

export const isFinished = (task: Pick<QueueTask, 'status'>) =>
  task.status === 'done' || task.status === 'failed' || task.status === 'review';

/** An active task for the same subissue blocks a new one unless forced. */
export function findActiveDuplicate(tasks: readonly QueueTask[], subissue: string): QueueTask | undefined {
  return tasks.find((task) => task.subissue === subissue && (task.status === 'queued' || task.status === 'claimed'));
}

/**
 * Splits `specs` into those to add and the subissues already active (in `tasks`, or earlier in
 * `specs`): one pass with a set, not a search of every task per spec.
 */
export function withoutActiveDuplicates<S extends { readonly subissue: string }>(
  tasks: readonly QueueTask[],
  specs: readonly S[],
): { toAdd: S[]; skippedActive: string[] } {
  const active = new Set(tasks.filter((task) => task.status === 'queued' || task.status === 'claimed').map((task) => task.subissue));
  const toAdd: S[] = [];
  const skippedActive: string[] = [];
  for (const spec of specs) {
    if (active.has(spec.subissue)) {
      skippedActive.push(spec.subissue);
    } else {
      active.add(spec.subissue);
      toAdd.push(spec);
    }
  }
  return { toAdd, skippedActive };
}

export const duplicateError = (task: QueueTask) =>
  new WorkersError('conflict', `Subissue ${task.subissue} is already ${task.status} as task ${task.id}; use --force to add it again.`);

/** Finished tasks whose finish time is older than `days`. */
export function isOlderThan(task: QueueTask, days: number, now: Date): boolean {
  const finished = task.finishedAt ?? task.createdAt;
  return isFinished(task) && now.getTime() - Date.parse(finished) >= days * 86_400_000;
}

export function countDepth(tasks: readonly QueueTask[], running: number): QueueDepth {
  const count = (status: QueueTask['status']) => tasks.filter((task) => task.status === status).length;
  return {
    queued: count('queued'),
    claimed: count('claimed'),
    running,
    done: count('done'),
    failed: count('failed'),
    review: count('review'),
  };
}
