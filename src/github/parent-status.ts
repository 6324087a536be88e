import { formatDuration } from '../core/duration.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import type { QueueTask } from '../queue/backend.js';
import { blockerName, blockersOf } from '../queue/task-rules.js';
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

/** What the watcher last saw of a task's pull request. */
export interface PullRequestCondition {
  readonly pr_state: PullState;
  readonly checks: ChecksState;
}

export interface ParentStatus {
  readonly parent: string;
  readonly total: number;
  /** Over the done tasks whose pull request the watcher has looked at. */
  readonly pull_requests: PullCounts;
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
  links: ReadonlyMap<string, PullRequestLink>,
  now: Date,
  only: readonly string[],
  conditions: ReadonlyMap<string, PullRequestCondition & { readonly pr_number: number }> = new Map(),
): PoolStatus {
  const chosen = only.length === 0 ? tasks : tasks.filter((task) => only.includes(task.parent));
  // An earlier task of a sub-issue (a rerun, a follow-up) is shown as `201~1`, as references name it.
  const suffixes = taskSuffixes(tasks);
  const name = (task: QueueTask) => `${task.subissue}${suffixes.get(task.id) ?? ''}`;
  const parents = [...new Set([...only, ...chosen.map((task) => task.parent)])];
  const of = (parent: string, status: QueueTask['status']) => chosen.filter((task) => task.parent === parent && task.status === status);
  // Only what the watcher saw of the pull request the history names now (a redone task may have a new one).
  const conditionOf = (subissue: string): PullRequestCondition | undefined => {
    const condition = conditions.get(subissue);
    return condition && condition.pr_number === links.get(subissue)?.pr_number
      ? { pr_state: condition.pr_state, checks: condition.checks }
      : undefined;
  };
  return {
    parents: parents.map((parent) => ({
      parent,
      total: chosen.filter((task) => task.parent === parent).length,
      pull_requests: countPulls(
        of(parent, 'done')
          .map((task) => conditionOf(task.subissue))
          .filter((condition) => condition !== undefined)
          .map((condition) => ({ state: condition.pr_state, checks: condition.checks })),
      ),
      queued: of(parent, 'queued')
        .filter((task) => blockersOf(task).length === 0)
        .map(name),
      blocked: of(parent, 'queued')
        .filter((task) => blockersOf(task).length > 0)
        .map((task) => ({ subissue: name(task), blocked_by: [...blockersOf(task)] })),
      running: of(parent, 'claimed').map((task) => ({
        subissue: name(task),
        worker_id: task.workerId,
        elapsed_ms: task.claimedAt ? Math.max(0, now.getTime() - Date.parse(task.claimedAt)) : null,
      })),
      done: of(parent, 'done').map((task) => ({ subissue: name(task), ...links.get(task.subissue), ...conditionOf(task.subissue) })),
      review: of(parent, 'review').map(name),
      failed: of(parent, 'failed').map((task) => ({ subissue: name(task), reason: task.lastError })),
    })),
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

const COUNT_WORDS: readonly [keyof PullCounts, string][] = [
  ['ready', 'ready'],
  ['waiting_review', 'waiting for review'],
  ['changes_requested', 'changes requested'],
  ['failing', 'failing'],
  ['conflicting', 'conflicting'],
  ['merged', 'merged'],
  ['closed', 'closed'],
];

/** "pull requests: 2 ready, 1 failing", or nothing when the watcher has seen none. */
function countsText(counts: PullCounts): string {
  const parts = COUNT_WORDS.filter(([key]) => counts[key] > 0).map(([key, words]) => `${counts[key]} ${words}`);
  return parts.length === 0 ? '' : `; pull requests: ${parts.join(', ')}`;
}

const conditionText = (done: Partial<PullRequestCondition>) =>
  done.pr_state === undefined
    ? ''
    : ` (${done.pr_state === 'merged' || done.pr_state === 'closed' || done.checks === 'none' ? done.pr_state : `${done.pr_state}, checks ${done.checks}`})`;

const list = (items: readonly string[]) => (items.length === 0 ? '' : `: ${items.map((item) => `#${item}`).join(', ')}`);

export function renderPoolStatus(status: PoolStatus): string {
  const lines: string[] = [];
  for (const parent of status.parents) {
    lines.push(`#${parent.parent}: ${parent.done.length}/${parent.total} done${countsText(parent.pull_requests)}`);
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
