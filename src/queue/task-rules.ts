import { WorkersError, usageError } from '../core/errors.js';
import { TASK_KINDS, type QueueDepth, type QueueTask, type TaskSpec } from './backend.js';

/** Priorities accepted everywhere (add, import): 1 is the most urgent, as in the shell tool. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 99;

const DIGITS = /^[1-9]\d{0,17}$/;

/** A repository as recorded: printable, one line, no spaces at either end. */
const REPO = /^[^\s\p{Cc}](?:[^\p{Cc}]{0,298}[^\s\p{Cc}])?$/u;

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
  if (spec.repo !== undefined && !REPO.test(spec.repo))
    throw usageError(`The repository ${JSON.stringify(spec.repo.slice(0, 80))} is not a repository name, URL or path.`);
  const blockedBy = validateBlockers(spec.blockedBy ?? [], spec.subissue);
  if (spec.kind !== undefined && !TASK_KINDS.includes(spec.kind))
    throw usageError(`The task kind ${JSON.stringify(String(spec.kind).slice(0, 40))} is not one of ${TASK_KINDS.join(', ')}.`);
  return {
    subissue: spec.subissue,
    parent: spec.parent,
    priority: spec.priority,
    ...(spec.repo === undefined ? {} : { repo: spec.repo }),
    ...(blockedBy.length === 0 ? {} : { blockedBy }),
    ...(spec.kind === undefined ? {} : { kind: spec.kind }),
  };
}

/** A blocker as stored: `201` (the task's repository) or `owner/name#201`. */
const BLOCKER = /^(?:[^\s\p{Cc}#,]{1,200}#)?[1-9]\d{0,17}$/u;
export const MAX_BLOCKERS = 100;

/** Every blocker once, in the order given; refuses a malformed one or the task itself. */
export function validateBlockers(blockers: readonly string[], subissue: string): string[] {
  const unique = [...new Set(blockers)];
  if (unique.length > MAX_BLOCKERS) throw usageError(`A task may wait on at most ${MAX_BLOCKERS} issues; ${unique.length} were given.`);
  for (const blocker of unique) {
    if (!BLOCKER.test(blocker))
      throw usageError(`The blocker ${JSON.stringify(blocker.slice(0, 80))} is not an issue number such as 201 or owner/name#201.`);
    if (blocker === subissue) throw usageError(`Sub-issue ${subissue} cannot wait on itself.`);
  }
  return unique;
}

/** The open blockers of a task (none when absent). */
export const blockersOf = (task: Pick<TaskSpec, 'blockedBy'>): readonly string[] => task.blockedBy ?? [];

/** Queued with no open blocker: what claim may hand out (docs/SPEC.md section 8.5). */
export const isReady = (task: Pick<QueueTask, 'status' | 'blockedBy'>) => task.status === 'queued' && blockersOf(task).length === 0;

/** `#201`, or `owner/name#201` for a blocker in another repository. */
export const blockerName = (blocker: string) => (blocker.includes('#') ? blocker : `#${blocker}`);

/** `blocked by #201, #202`: how list, status and the page show a blocked task. */
export const blockedByText = (task: Pick<TaskSpec, 'blockedBy'>) => `blocked by ${blockersOf(task).map(blockerName).join(', ')}`;

/** Two tasks of one sub-issue in one repository (tasks of unknown repository count as one repository). */
const workKey = (task: { readonly subissue: string; readonly repo?: string | undefined }) => `${task.repo ?? ''}#${task.subissue}`;

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
  task.status === 'done' || task.status === 'failed' || task.status === 'review' || task.status === 'cancelled';

/** Whether a worker of `repo` may take `task`: its own repository's, or one of unknown repository. */
export const isClaimableBy = (task: Pick<QueueTask, 'repo'>, repo: string | undefined) =>
  repo === undefined || task.repo === undefined || task.repo === repo;

export const isActive = (task: Pick<QueueTask, 'status'>) => task.status === 'queued' || task.status === 'claimed';

/** An active task for the same subissue of the same repository blocks a new one unless forced. */
export function findActiveDuplicate(tasks: readonly QueueTask[], spec: Pick<TaskSpec, 'subissue' | 'repo'>): QueueTask | undefined {
  const key = workKey(spec);
  return tasks.find((task) => workKey(task) === key && isActive(task));
}

/**
 * Splits `specs` into those to add and the subissues already active (in `tasks`, or earlier in
 * `specs`): one pass with a set, not a search of every task per spec.
 */
export function withoutActiveDuplicates<S extends { readonly subissue: string; readonly repo?: string }>(
  tasks: readonly QueueTask[],
  specs: readonly S[],
): { toAdd: S[]; skippedActive: string[] } {
  const active = new Set(tasks.filter(isActive).map(workKey));
  const toAdd: S[] = [];
  const skippedActive: string[] = [];
  for (const spec of specs) {
    if (active.has(workKey(spec))) {
      skippedActive.push(spec.subissue);
    } else {
      active.add(workKey(spec));
      toAdd.push(spec);
    }
  }
  return { toAdd, skippedActive };
}

/** `owner/name#201`, or `#201 (repository unknown)` for a task queued before repositories were recorded. */
export const taskName = (task: Pick<QueueTask, 'subissue' | 'repo'>) =>
  task.repo === undefined ? `#${task.subissue} (repository unknown)` : `${task.repo}#${task.subissue}`;

/** The name and, beside it, the queue's own id: `o/r#201 (id:12)`, `#201 (repository unknown, id:12)`. */
export const taskLabel = (task: Pick<QueueTask, 'subissue' | 'repo' | 'id'>) =>
  task.repo === undefined ? `#${task.subissue} (repository unknown, id:${task.id})` : `${task.repo}#${task.subissue} (id:${task.id})`;

/** A task keeps the repository it has (assignRepository). */
export const repositoryKept = (id: string, repo: string) =>
  new WorkersError('conflict', `Task ${id} already belongs to ${repo}; a task's repository is never changed.`);

export const duplicateError = (task: QueueTask) =>
  new WorkersError('conflict', `${taskLabel(task)} is already ${task.status}; use --force to add it again.`);

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
    cancelled: count('cancelled'),
  };
}
