import { WorkersError } from '../core/errors.js';
import type { JsonFile } from '../core/json-store.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import type { QueueBackend, QueueTask } from '../queue/backend.js';
import type { TaskPullView } from '../queue/queue-views.js';
import { isFinished, taskLabel, taskName } from '../queue/task-rules.js';
import { readPullRequestLinks, type PullRequestLink } from './parent-status.js';
import { isFollowed, openPullWatchStore, type PullWatchFile, type WatchedPull } from './pull-request-watcher.js';

/*
 * What the views, `clean` and `release` know of each task's pull request (docs/SPEC.md section
 * 14.2): the history names it, the watcher's record (github/pull-requests.json) says its state.
 * The watcher keys its record by sub-issue; a task matches it only when the pull request belongs
 * to the task's repository.
 */

/** `owner/name` of a pull request's URL (`https://github.com/o/r/pull/5`), lower case. */
export const pullRepoOf = (url: string): string | undefined => /([^/]+\/[^/]+)\/pull\/\d+\/?$/.exec(url)?.[1]?.toLowerCase();

const sameRepo = (task: Pick<QueueTask, 'repo'>, url: string) => task.repo === undefined || task.repo.toLowerCase() === pullRepoOf(url);

/** The watcher's record of `task`'s pull request, if it keeps one. */
export function watchedPullOf(file: PullWatchFile, task: Pick<QueueTask, 'subissue' | 'repo'>): WatchedPull | undefined {
  const pull = file.pulls[task.subissue];
  return pull !== undefined && sameRepo(task, pull.pr_url) ? pull : undefined;
}

/** The state a person reads: `released` once a person released it, else the watcher's. */
export const shownPullState = (pull: Pick<WatchedPull, 'state' | 'released_at'>) =>
  pull.released_at === undefined ? pull.state : 'released';

/**
 * Each task's pull request by queue id: the one its sub-issue's latest history record names, with
 * what the watcher last saw of it (state and checks null before its first look). Every task of
 * the sub-issue (its follow-ups too) works on that same branch and pull request.
 */
export function taskPulls(
  tasks: readonly QueueTask[],
  links: ReadonlyMap<string, PullRequestLink>,
  watched: PullWatchFile,
): Map<string, TaskPullView> {
  const views = new Map<string, TaskPullView>();
  for (const task of tasks) {
    const link = links.get(task.subissue);
    if (link === undefined || !sameRepo(task, link.pr_url)) continue;
    const pull = watchedPullOf(watched, task);
    const seen = pull !== undefined && pull.pr_number === link.pr_number && pull.checked_at !== null ? pull : undefined;
    views.set(task.id, {
      number: link.pr_number,
      url: link.pr_url,
      state: seen === undefined ? (pull?.released_at !== undefined ? 'released' : null) : shownPullState(seen),
      checks: seen?.checks ?? null,
    });
  }
  return views;
}

/**
 * `clean`: the finished tasks it keeps because the watcher still follows their pull request
 * (open, not released); the reason goes with each.
 */
export function tasksWithOpenPulls(tasks: readonly QueueTask[], watched: PullWatchFile): QueueTask[] {
  return tasks.filter((task) => {
    if (!isFinished(task)) return false;
    const pull = watchedPullOf(watched, task);
    return pull !== undefined && isFollowed(pull);
  });
}

/** The pull request `release` would let go of, or the one-sentence refusal: the task has no open pull request the pool follows. */
export function releasablePull(file: PullWatchFile, task: QueueTask): WatchedPull {
  const refuse = (why: string) =>
    new WorkersError('conflict', `${taskLabel(task)} ${why}; only a task whose pull request is open can be released.`);
  const pull = watchedPullOf(file, task);
  if (pull === undefined) throw refuse('has no pull request the pool follows');
  if (pull.released_at !== undefined) throw refuse(`had its pull request #${pull.pr_number} released already`);
  if (!isFollowed(pull)) throw refuse(`has pull request #${pull.pr_number} ${pull.state}`);
  return pull;
}

/**
 * `release REF`: the pool stops acting on the task's pull request (no follow-up, no look by the
 * watcher); the task is then finished for `clean`. Kept in the watcher's record, so every
 * process that reads it (the manager's watcher, the views) sees it.
 */
export async function releasePull(store: JsonFile<PullWatchFile>, task: QueueTask, now: Date): Promise<WatchedPull> {
  // Checked before the locked write too: a refusal leaves the file as it was (or absent).
  releasablePull(await store.read(), task);
  return store.update((draft) => {
    const released = { ...releasablePull(draft, task), released_at: now.toISOString() };
    draft.pulls[task.subissue] = released;
    return released;
  });
}

/** The pull requests of `tasks` as the views show them, from the history and the watcher's file under `root`. */
export async function readTaskPulls(
  root: string,
  history: Pick<TaskHistoryStore, 'read'>,
  tasks: readonly QueueTask[],
): Promise<Map<string, TaskPullView>> {
  const [links, watched] = await Promise.all([readPullRequestLinks(history), openPullWatchStore({ root }).read()]);
  return taskPulls(tasks, links, watched);
}

/** `clean`'s sentence on what it kept, or nothing when it kept none. */
export function keptText(kept: readonly QueueTask[]): string {
  if (kept.length === 0) return '';
  const names = kept.map((task) => taskName(task));
  const shown = [...new Set(names)].slice(0, 5).join(', ');
  return ` Kept ${kept.length} finished task${kept.length === 1 ? '' : 's'} whose pull request is still open (${shown}${names.length > 5 ? ', ...' : ''}): the watcher follows them until they are merged or closed, or worker-queue release lets them go.`;
}

/**
 * After `release`: the follow-ups the pool queued for that pull request and no worker started
 * are taken out (they would act on it); one already running is named, for `kill`.
 */
export async function dropFollowUps(backend: QueueBackend, released: QueueTask): Promise<string> {
  const ofPull = (await backend.list()).filter(
    (task) => task.kind !== undefined && task.subissue === released.subissue && task.repo === released.repo,
  );
  const queued = ofPull.filter((task) => task.status === 'queued');
  for (const task of queued) await backend.remove(task.id);
  const running = ofPull.filter((task) => task.status === 'claimed');
  return [
    ...queued.map((task) => ` Removed its queued ${task.kind} follow-up (id:${task.id}).`),
    ...running.map((task) => ` Its ${task.kind} follow-up (id:${task.id}) is running: worker-queue kill id:${task.id} stops it.`),
  ].join('');
}
