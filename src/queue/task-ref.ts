import { WorkersError, usageError } from '../core/errors.js';
import type { QueueTask } from './backend.js';
import { isActive } from './task-rules.js';

export { taskLabel, taskName } from './task-rules.js';

/**
 * How a person names a task (docs/SPEC.md section 3): by its work, `owner/name#201`, or `#201` /
 * `201` in the current repository (a bare number is a sub-issue, never a queue id); the queue's
 * own id only when marked, `id:12`.
 */
export type TaskRef =
  | { readonly kind: 'id'; readonly id: string }
  | { readonly kind: 'subissue'; readonly subissue: string; readonly repo?: string };

const NUMBER = /^[1-9]\d{0,17}$/;

export function parseTaskRef(raw: string): TaskRef {
  const text = raw.trim();
  const shown = JSON.stringify(text.slice(0, 80));
  if (text.startsWith('id:')) {
    const id = text.slice(3);
    if (!/^\d{1,18}$/.test(id)) throw usageError(`The queue id in ${shown} is not a number; see worker-queue list.`);
    return { kind: 'id', id: String(Number(id)) };
  }
  const hash = text.lastIndexOf('#');
  const repo = hash > 0 ? text.slice(0, hash) : undefined;
  const number = hash >= 0 ? text.slice(hash + 1) : text;
  if (!NUMBER.test(number) || (repo !== undefined && /[\s\p{Cc}]/u.test(repo))) {
    throw usageError(`${shown} names no task: give a sub-issue as 201, #201 or owner/name#201, or a queue id as id:12.`);
  }
  return { kind: 'subissue', subissue: number, ...(repo === undefined ? {} : { repo }) };
}

/** `--after 201,#202 owner/name#203`: the sub-issues a hand-queued task waits on. */
export function parseAfterOption(text: string): { readonly subissue: string; readonly repo?: string }[] {
  const refs = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseTaskRef);
  if (refs.length === 0) throw usageError('--after needs the sub-issues to wait on, such as --after 201,202.');
  return refs.map((ref) => {
    if (ref.kind === 'id') throw usageError('--after names sub-issues (201 or #201), not queue ids.');
    return ref;
  });
}

/** The blockers `--after` gives a task of `repo`: sub-issues of that repository only. */
export function afterBlockers(refs: readonly { readonly subissue: string; readonly repo?: string }[], repo: string): string[] {
  for (const ref of refs)
    if (ref.repo !== undefined && ref.repo !== repo)
      throw usageError(
        `--after names sub-issues of ${repo}, the repository the task is queued for; ${ref.repo}#${ref.subissue} is not one.`,
      );
  return refs.map((ref) => ref.subissue);
}

const newestFirst = (a: QueueTask, b: QueueTask) => b.createdAt.localeCompare(a.createdAt) || Number(b.id) - Number(a.id);

/**
 * The task `ref` names: by id exactly that one; by sub-issue the sub-issue's current task (its
 * active one, else its newest), in `ref.repo`, else `currentRepo`; a task of unknown repository
 * answers only when the repository has none of that sub-issue.
 */
export function findTaskByRef(tasks: readonly QueueTask[], ref: TaskRef, currentRepo: string | undefined): QueueTask | undefined {
  if (ref.kind === 'id') return tasks.find((task) => task.id === ref.id);
  const repo = ref.repo ?? currentRepo;
  const ofSubissue = tasks.filter((task) => task.subissue === ref.subissue);
  const inRepo = ofSubissue.filter((task) => task.repo === repo);
  const candidates = inRepo.length > 0 || ref.repo !== undefined ? inRepo : ofSubissue.filter((task) => task.repo === undefined);
  const sorted = [...candidates].sort(newestFirst);
  return sorted.find(isActive) ?? sorted[0];
}

export function refNotFound(ref: TaskRef, currentRepo: string | undefined): WorkersError {
  if (ref.kind === 'id') return new WorkersError('not-found', `There is no task with queue id ${ref.id}; see worker-queue list.`);
  const repo = ref.repo ?? currentRepo ?? 'the current repository';
  return new WorkersError(
    'not-found',
    `There is no task for sub-issue ${ref.subissue} of ${repo} in the queue; see worker-queue list --all.`,
  );
}
