import { WorkersError, usageError } from '../core/errors.js';
import type { QueueTask } from './backend.js';
import { isActive } from './task-rules.js';

export { taskLabel, taskName } from './task-rules.js';

/**
 * How a person names a task (docs/SPEC.md section 3): by its work, `owner/name#201`, or `#201` /
 * `201` in the current repository (a bare number is a sub-issue, never a queue id); the queue's
 * own id only when marked, `id:12`.
 */
export type TaskRef = (
  | { readonly kind: 'id'; readonly id: string }
  /** `back`: an earlier task of the sub-issue, `201~1` the one before its current task. */
  | { readonly kind: 'subissue'; readonly subissue: string; readonly repo?: string; readonly back?: number }
) & {
  /** `201@2`: the task's second attempt (only `logs` takes it). */
  readonly attempt?: number;
};

/** The sub-issue, then `~N` (an earlier task), then `@N` (an attempt). */
const SUBISSUE_PART = /^([1-9]\d{0,17})(?:~([1-9]\d{0,3}))?(?:@([1-9]\d{0,3}))?$/;

/** `attempts`: whether the command takes `@N` (only `logs`: the others act on a task, not on one of its runs). */
export function parseTaskRef(raw: string, options: { readonly attempts?: boolean } = {}): TaskRef {
  const text = raw.trim();
  const shown = JSON.stringify(text.slice(0, 80));
  const ref = parseRefText(text, shown);
  if (ref.attempt !== undefined && options.attempts !== true)
    throw usageError(`${shown} names an attempt (@${ref.attempt}); this command acts on the whole task, so name it without @.`);
  return ref;
}

function parseRefText(text: string, shown: string): TaskRef {
  if (text.startsWith('id:')) {
    const match = /^id:(\d{1,18})(?:@([1-9]\d{0,3}))?$/.exec(text);
    if (!match) throw usageError(`The queue id in ${shown} is not a number; see worker-queue list.`);
    return { kind: 'id', id: String(Number(match[1])), ...(match[2] === undefined ? {} : { attempt: Number(match[2]) }) };
  }
  const hash = text.lastIndexOf('#');
  const repo = hash > 0 ? text.slice(0, hash) : undefined;
  const match = SUBISSUE_PART.exec(hash >= 0 ? text.slice(hash + 1) : text);
  if (!match || (repo !== undefined && /[\s\p{Cc}]/u.test(repo))) {
    throw usageError(
      `${shown} names no task: give a sub-issue as 201, #201 or owner/name#201 (201~1 for its task before the current one), or a queue id as id:12.`,
    );
  }
  return {
    kind: 'subissue',
    subissue: match[1]!,
    ...(repo === undefined ? {} : { repo }),
    ...(match[2] === undefined ? {} : { back: Number(match[2]) }),
    ...(match[3] === undefined ? {} : { attempt: Number(match[3]) }),
  };
}

/** `--after 201,#202 owner/name#203`: the sub-issues a hand-queued task waits on. */
export function parseAfterOption(text: string): { readonly subissue: string; readonly repo?: string }[] {
  const refs = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((raw) => parseTaskRef(raw));
  if (refs.length === 0) throw usageError('--after needs the sub-issues to wait on, such as --after 201,202.');
  return refs.map((ref) => {
    if (ref.kind === 'id') throw usageError('--after names sub-issues (201 or #201), not queue ids.');
    if (ref.back !== undefined) throw usageError('--after names sub-issues (201 or #201), not earlier tasks of one (201~1).');
    return { subissue: ref.subissue, ...(ref.repo === undefined ? {} : { repo: ref.repo }) };
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

/** A sub-issue's tasks, current first (its active one, else its newest), then the earlier ones newest first. */
function inReferenceOrder(tasks: readonly QueueTask[]): QueueTask[] {
  const sorted = [...tasks].sort(newestFirst);
  const current = sorted.find(isActive) ?? sorted[0];
  return current === undefined ? [] : [current, ...sorted.filter((task) => task !== current)];
}

/**
 * The task `ref` names: by id exactly that one; by sub-issue the sub-issue's current task (its
 * active one, else its newest), or with `~N` the Nth task before it, in `ref.repo`, else
 * `currentRepo`; a task of unknown repository answers only when the repository has none of that
 * sub-issue.
 */
export function findTaskByRef(tasks: readonly QueueTask[], ref: TaskRef, currentRepo: string | undefined): QueueTask | undefined {
  if (ref.kind === 'id') return tasks.find((task) => task.id === ref.id);
  const repo = ref.repo ?? currentRepo;
  const ofSubissue = tasks.filter((task) => task.subissue === ref.subissue);
  const inRepo = ofSubissue.filter((task) => task.repo === repo);
  const candidates = inRepo.length > 0 || ref.repo !== undefined ? inRepo : ofSubissue.filter((task) => task.repo === undefined);
  return inReferenceOrder(candidates)[ref.back ?? 0];
}

/**
 * How the views name each task beside its sub-issue: `''` for the sub-issue's current task, `~1`
 * for the one before it, `~2` before that (docs/SPEC.md section 3); keyed by queue id.
 */
export function taskSuffixes(tasks: readonly QueueTask[]): Map<string, string> {
  const groups = new Map<string, QueueTask[]>();
  for (const task of tasks) {
    const key = `${task.repo ?? ''}#${task.subissue}`;
    groups.set(key, [...(groups.get(key) ?? []), task]);
  }
  const suffixes = new Map<string, string>();
  for (const group of groups.values())
    inReferenceOrder(group).forEach((task, index) => suffixes.set(task.id, index === 0 ? '' : `~${index}`));
  return suffixes;
}

export function refNotFound(ref: TaskRef, currentRepo: string | undefined): WorkersError {
  if (ref.kind === 'id') return new WorkersError('not-found', `There is no task with queue id ${ref.id}; see worker-queue list.`);
  const repo = ref.repo ?? currentRepo ?? 'the current repository';
  if (ref.back !== undefined)
    return new WorkersError(
      'not-found',
      `Sub-issue ${ref.subissue} of ${repo} has no task ${ref.back} before its current one in the queue; see worker-queue list --all.`,
    );
  return new WorkersError(
    'not-found',
    `There is no task for sub-issue ${ref.subissue} of ${repo} in the queue; see worker-queue list --all.`,
  );
}
