import { formatDuration } from '../core/duration.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import type { QueueTask } from '../queue/backend.js';
import { blockerName, blockersOf } from '../queue/task-rules.js';
import type { TaskPullView } from '../queue/queue-views.js';
import { taskSuffixes } from '../queue/task-ref.js';
import { countPulls, type ChecksState, type PullCounts, type PullState } from './pull-request-watch.js';

/*
 * `worker-queue status [PARENT...]`: per parent issue, what its sub-issues are doing. The queue
 * says the state; the task history says which pull request a done sub-issue ended in; the
 * manager's pull-request watcher (github/pull-requests.json) what that pull request waits for.
 */

export interface PullRequestLink {
  readonly pr_number: number;
  readonly pr_url: string;
}

/** What the watcher last saw of a task's pull request; `released`: a person released it (worker-queue release). */
export interface PullRequestCondition {
  readonly pr_state: PullState | 'released';
  readonly checks: ChecksState;
}

export interface ParentStatus {
  readonly parent: string;
  /** The repository of the parent's tasks (null: unknown, tasks queued before repositories were recorded). */
  readonly repo: string | null;
  readonly total: number;
  /** Over the done tasks whose pull request the watcher has looked at; `released` ones apart. */
  readonly pull_requests: PullCounts & { readonly released: number };
  /** Queued with no open blocker. */
  readonly queued: readonly string[];
  /** Queued behind open blockers (docs/SPEC.md section 8.5): what waits on what. */
  readonly blocked: readonly { readonly subissue: string; readonly blocked_by: readonly string[] }[];
  readonly running: readonly { readonly subissue: string; readonly worker_id: number | null; readonly elapsed_ms: number | null }[];
  readonly done: readonly ({ readonly subissue: string } & Partial<PullRequestLink> & Partial<PullRequestCondition>)[];
  readonly review: readonly string[];
  readonly failed: readonly { readonly subissue: string; readonly reason: string | null }[];
}

export interface PoolStatus {
  /** The repository shown (its tasks and those of unknown repository); null: every repository (--all). */
  readonly repo: string | null;
  /** Tasks of other repositories, left out (`--all` shows them). */
  readonly elsewhere: number;
  readonly parents: readonly ParentStatus[];
  readonly pool: {
    readonly total: number;
    readonly queued: number;
    readonly running: number;
    readonly done: number;
    readonly review: number;
    readonly failed: number;
  };
}

/**
 * The pull request each sub-issue's latest record with one names, from the whole history: every
 * month of the file store, every host of the database.
 */
export async function readPullRequestLinks(history: Pick<TaskHistoryStore, 'read'>): Promise<Map<string, PullRequestLink>> {
  const links = new Map<string, PullRequestLink>();
  await history.read({
    add: (record) => {
      if (record.pr_url !== undefined && record.pr_number !== undefined) {
        links.set(record.task_id, { pr_number: record.pr_number, pr_url: record.pr_url });
      }
    },
    // A torn line is not a record.
    skip: () => undefined,
  });
  return links;
}

export function buildPoolStatus(
  tasks: readonly QueueTask[],
  pulls: ReadonlyMap<string, TaskPullView>,
  now: Date,
  only: readonly string[],
  /** The repository shown; undefined: every repository, each parent apart per repository. */
  repo?: string,
): PoolStatus {
  const inScope = repo === undefined ? tasks : tasks.filter((task) => task.repo === undefined || task.repo === repo);
  const chosen = only.length === 0 ? inScope : inScope.filter((task) => only.includes(task.parent));
  // Per repository with --all (parent #1 of two repositories is two parents); else per parent.
  const keyOf = (task: QueueTask) => (repo === undefined ? `${task.repo ?? ''}#${task.parent}` : task.parent);
  const groups = new Map<string, QueueTask[]>();
  for (const task of chosen) groups.set(keyOf(task), [...(groups.get(keyOf(task)) ?? []), task]);
  // A parent named but without tasks is said to have none.
  for (const parent of only) if (!chosen.some((task) => task.parent === parent)) groups.set(`#${parent}`, []);
  // An earlier task of a sub-issue (a rerun, a follow-up) is shown as `201~1`, as references name it.
  const suffixes = taskSuffixes(tasks);
  const name = (task: QueueTask) => `${task.subissue}${suffixes.get(task.id) ?? ''}`;
  const conditionOf = (task: QueueTask): (Partial<PullRequestLink> & Partial<PullRequestCondition>) | undefined => {
    const pull = pulls.get(task.id);
    if (pull === undefined) return undefined;
    const link = { pr_number: pull.number, pr_url: pull.url };
    return pull.state === null || pull.checks === null
      ? link
      : { ...link, pr_state: pull.state as PullRequestCondition['pr_state'], checks: pull.checks as ChecksState };
  };
  const parentOf = (key: string, group: readonly QueueTask[]): ParentStatus => {
    const of = (status: QueueTask['status']) => group.filter((task) => task.status === status);
    const seen = of('done')
      .map(conditionOf)
      .filter((condition) => condition?.pr_state !== undefined && condition.checks !== undefined);
    return {
      parent: key.slice(key.lastIndexOf('#') + 1),
      repo: group.find((task) => task.repo !== undefined)?.repo ?? null,
      total: group.length,
      pull_requests: {
        ...countPulls(
          seen
            .filter((condition) => condition!.pr_state !== 'released')
            .map((condition) => ({
              state: condition!.pr_state as PullState,
              checks: condition!.checks!,
            })),
        ),
        released: seen.filter((condition) => condition!.pr_state === 'released').length,
      },
      queued: of('queued')
        .filter((task) => blockersOf(task).length === 0)
        .map(name),
      blocked: of('queued')
        .filter((task) => blockersOf(task).length > 0)
        .map((task) => ({ subissue: name(task), blocked_by: [...blockersOf(task)] })),
      running: of('claimed').map((task) => ({
        subissue: name(task),
        worker_id: task.workerId,
        elapsed_ms: task.claimedAt ? Math.max(0, now.getTime() - Date.parse(task.claimedAt)) : null,
      })),
      done: of('done').map((task) => ({ subissue: name(task), ...conditionOf(task) })),
      review: of('review').map(name),
      failed: of('failed').map((task) => ({ subissue: name(task), reason: task.lastError })),
    };
  };
  return {
    repo: repo ?? null,
    elsewhere: tasks.length - inScope.length,
    parents: [...groups].map(([key, group]) => parentOf(key, group)),
    pool: {
      total: chosen.length,
      queued: chosen.filter((task) => task.status === 'queued').length,
      running: chosen.filter((task) => task.status === 'claimed').length,
      done: chosen.filter((task) => task.status === 'done').length,
      review: chosen.filter((task) => task.status === 'review').length,
      failed: chosen.filter((task) => task.status === 'failed').length,
    },
  };
}

const COUNT_WORDS: readonly [keyof ParentStatus['pull_requests'], string][] = [
  ['ready', 'ready'],
  ['waiting_review', 'waiting for review'],
  ['changes_requested', 'changes requested'],
  ['failing', 'failing'],
  ['conflicting', 'conflicting'],
  ['merged', 'merged'],
  ['closed', 'closed'],
  ['released', 'released'],
];

/** "pull requests: 2 ready, 1 failing", or nothing when the watcher has seen none. */
function countsText(counts: ParentStatus['pull_requests']): string {
  const parts = COUNT_WORDS.filter(([key]) => counts[key] > 0).map(([key, words]) => `${counts[key]} ${words}`);
  return parts.length === 0 ? '' : `; pull requests: ${parts.join(', ')}`;
}

const conditionText = (done: Partial<PullRequestCondition>) =>
  done.pr_state === undefined
    ? ''
    : ` (${done.pr_state === 'merged' || done.pr_state === 'closed' || done.pr_state === 'released' || done.checks === 'none' ? done.pr_state : `${done.pr_state}, checks ${done.checks}`})`;

const list = (items: readonly string[]) => (items.length === 0 ? '' : `: ${items.map((item) => `#${item}`).join(', ')}`);

export function renderPoolStatus(status: PoolStatus): string {
  const lines: string[] = [];
  if (status.elsewhere > 0)
    lines.push(
      `${status.parents.length === 0 ? `No task of ${status.repo} in the queue` : `Showing ${status.repo}`}; ${status.elsewhere} task(s) of other repositories: worker-queue status --all shows them.`,
    );
  for (const parent of status.parents) {
    const where = status.repo === null ? ` (${parent.repo ?? 'repository unknown'})` : '';
    lines.push(`#${parent.parent}${where}: ${parent.done.length}/${parent.total} done${countsText(parent.pull_requests)}`);
    if (parent.queued.length > 0) lines.push(`  queued ${parent.queued.length}${list(parent.queued)}`);
    for (const blocked of parent.blocked)
      lines.push(`  waiting #${blocked.subissue}: blocked by ${blocked.blocked_by.map(blockerName).join(', ')}`);
    for (const run of parent.running) {
      lines.push(
        `  running #${run.subissue}${run.worker_id === null ? '' : ` on worker ${run.worker_id}`}${run.elapsed_ms === null ? '' : ` for ${formatDuration(run.elapsed_ms)}`}`,
      );
    }
    for (const done of parent.done)
      lines.push(
        `  done #${done.subissue}${done.pr_url ? ` -> pull request #${done.pr_number} ${done.pr_url}${conditionText(done)}` : ''}`,
      );
    if (parent.review.length > 0) lines.push(`  review ${parent.review.length}${list(parent.review)} (finished without new work)`);
    for (const failed of parent.failed) lines.push(`  failed #${failed.subissue}${failed.reason ? `: ${failed.reason}` : ''}`);
  }
  const pool = status.pool;
  lines.push(
    `Pool: ${pool.total} task(s): ${pool.queued} queued, ${pool.running} running, ${pool.done} done, ${pool.review} review, ${pool.failed} failed.`,
  );
  return lines.join('\n');
}
