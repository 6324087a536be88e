import { Chalk, type ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import { fitTable, wrapLine, type FitColumn } from '../core/fit-width.js';
import type { QueueBackend, QueueDepth, QueueTask, TaskStatus } from './backend.js';
import { blockedByText, blockersOf } from './task-rules.js';
import { taskSuffixes } from './task-ref.js';

/** What `list` and `monitor` show (`list --json` prints it through snapshotJson). */
export interface QueueSnapshot {
  readonly backend: QueueBackend['name'];
  readonly generatedAt: string;
  readonly depth: QueueDepth;
  readonly tasks: readonly QueueTask[];
  /**
   * The repository shown: its tasks and those of unknown repository; the depth stays the whole
   * queue's. Absent: every repository, with a Repository column.
   */
  readonly repo?: string;
  /** Each task's pull request by queue id (GitHub mode; filled by src/github/task-pulls.ts). */
  readonly pulls?: ReadonlyMap<string, TaskPullView>;
}

/**
 * A task's pull request as the views show it: state and checks as the pull-request watcher last
 * saw them (`released` once a person released it), null before its first look.
 */
export interface TaskPullView {
  readonly number: number;
  readonly url: string;
  readonly state: string | null;
  readonly checks: string | null;
}

const pullJson = (pull: TaskPullView | undefined) =>
  pull === undefined ? null : { number: pull.number, url: pull.url, state: pull.state, checks: pull.checks };

/** `#12 open, checks failing`, `#12 merged`, `#12` before the watcher looked. */
export const pullText = (pull: TaskPullView | undefined) =>
  pull === undefined
    ? '-'
    : `#${pull.number}${pull.state === null ? '' : ` ${pull.state}`}${pull.checks === null || pull.checks === 'none' || pull.state === 'merged' || pull.state === 'closed' ? '' : `, checks ${pull.checks}`}`;

/** The snapshot narrowed to `repo`'s tasks (and those of unknown repository). */
export function forRepository(snapshot: QueueSnapshot, repo: string): QueueSnapshot {
  // An empty queue is said to be empty, whichever repository asks.
  if (snapshot.tasks.length === 0) return snapshot;
  return { ...snapshot, repo, tasks: snapshot.tasks.filter((task) => task.repo === undefined || task.repo === repo) };
}

/** A task as the CLI prints it in JSON: snake_case, like every JSON output of the toolkit. */
export const taskJson = (task: QueueTask, pull?: TaskPullView) => ({
  id: task.id,
  repo: task.repo ?? null,
  subissue: task.subissue,
  parent: task.parent,
  priority: task.priority,
  status: task.status,
  worker_id: task.workerId,
  attempts: task.attempts,
  created_at: task.createdAt,
  claimed_at: task.claimedAt,
  finished_at: task.finishedAt,
  last_error: task.lastError,
  blocked_by: [...blockersOf(task)],
  ...(task.notBefore === undefined ? {} : { not_before: task.notBefore }),
  pull_request: pullJson(pull),
});

/**
 * `queued`; `blocked by #201` while an open blocker keeps workers off it; `queued, retry in 40s`
 * while a backoff does (postgres).
 */
const statusText = (task: QueueTask, now: Date) =>
  task.status === 'queued' && blockersOf(task).length > 0
    ? blockedByText(task)
    : task.notBefore !== undefined && Date.parse(task.notBefore) > now.getTime()
      ? `${task.status}, retry in ${formatDuration(Date.parse(task.notBefore) - now.getTime())}`
      : task.status;

/** `list --json`: the snapshot in snake_case; `ref` is what a command takes for the task (`o/r#201~1` for an earlier one). */
export const snapshotJson = (snapshot: QueueSnapshot) => {
  const suffixes = taskSuffixes(snapshot.tasks);
  return {
    backend: snapshot.backend,
    repo: snapshot.repo ?? null,
    generated_at: snapshot.generatedAt,
    depth: snapshot.depth,
    tasks: snapshot.tasks.map((task) => ({
      ...taskJson(task, snapshot.pulls?.get(task.id)),
      ref: `${task.repo ?? ''}#${task.subissue}${suffixes.get(task.id) ?? ''}`,
    })),
  };
};

const STATUS_COLORS: Record<TaskStatus, (chalk: ChalkInstance) => ChalkInstance> = {
  queued: (c) => c.white,
  claimed: (c) => c.cyan,
  done: (c) => c.green,
  failed: (c) => c.red,
  review: (c) => c.yellow,
  cancelled: (c) => c.gray,
};

const STATUS_ORDER: Record<TaskStatus, number> = { claimed: 0, queued: 1, failed: 2, review: 3, cancelled: 4, done: 5 };

const age = (iso: string, now: Date) => formatDuration(Math.max(0, now.getTime() - Date.parse(iso)));

/** A narrow terminal first cuts the last error short, then loses Attempts, Age and Parent. */
const QUEUE_COLUMNS: readonly FitColumn[] = [
  { head: 'ID' },
  { head: 'Subissue' },
  { head: 'Parent', drop: 3 },
  { head: 'Priority' },
  { head: 'Status' },
  { head: 'Worker' },
  { head: 'Attempts', drop: 1 },
  { head: 'Age', drop: 2 },
  { head: 'Last error', minWidth: 16 },
];
/** Shown when some task has a pull request, after Status. */
const PULL_COLUMN: FitColumn = { head: 'Pull request', drop: 5 };

/** `columns`: the terminal's width, which the table fits (undefined: no limit). */
export function renderQueueTable(snapshot: QueueSnapshot, colorLevel: 0 | 1 | 2 | 3, columns?: number): string {
  if (snapshot.tasks.length === 0)
    return snapshot.repo === undefined
      ? `The queue is empty (${snapshot.backend} backend).`
      : `No task of ${snapshot.repo} in the queue (${snapshot.backend} backend); --all shows every repository.`;
  const all = snapshot.repo === undefined;
  const chalk = new Chalk({ level: colorLevel });
  const now = new Date(snapshot.generatedAt);
  const sorted = [...snapshot.tasks].sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.priority - b.priority || a.createdAt.localeCompare(b.createdAt),
  );
  const withPulls = snapshot.pulls !== undefined && snapshot.tasks.some((task) => snapshot.pulls!.has(task.id));
  // An earlier task of a sub-issue is shown as `201~1`, as references name it.
  const suffixes = taskSuffixes(snapshot.tasks);
  const rows = sorted.map((task) => [
    task.id,
    ...(all ? [task.repo ?? 'repository unknown'] : []),
    `${task.subissue}${suffixes.get(task.id) ?? ''}`,
    task.parent,
    String(task.priority),
    STATUS_COLORS[task.status](chalk)(statusText(task, now)),
    ...(withPulls ? [pullText(snapshot.pulls?.get(task.id))] : []),
    task.workerId === null ? '-' : String(task.workerId),
    String(task.attempts),
    age(task.createdAt, now),
    (task.lastError ?? '-').replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const status = QUEUE_COLUMNS.findIndex((column) => column.head === 'Status') + 1;
  const heads = withPulls ? [...QUEUE_COLUMNS.slice(0, status), PULL_COLUMN, ...QUEUE_COLUMNS.slice(status)] : QUEUE_COLUMNS;
  return fitTable(all ? [heads[0]!, { head: 'Repository', drop: 4 }, ...heads.slice(1)] : heads, rows, columns);
}

/**
 * Under the list: tasks queued before repositories were recorded, and the command that gives
 * them one (run in their repository's checkout); empty when there are none.
 */
export function unknownRepositoryNote(snapshot: QueueSnapshot): string {
  const unknown = snapshot.tasks.filter((task) => task.repo === undefined);
  if (unknown.length === 0) return '';
  const refs = unknown
    .slice(0, 5)
    .map((task) => `id:${task.id}`)
    .join(' ');
  return `${unknown.length} task(s) of unknown repository, which any pool may claim: in their repository's checkout, worker-queue assign ${refs}${unknown.length > 5 ? ' ...' : ''} gives them its repository (--repo names another).`;
}

export function renderDepthLine(snapshot: QueueSnapshot): string {
  const { queued, claimed, running, done, failed, review, cancelled } = snapshot.depth;
  // Said only when there are some: most pools never kill a run.
  const killed = cancelled > 0 ? `, ${cancelled} cancelled` : '';
  return `Queue (${snapshot.backend}): ${queued} queued, ${claimed} claimed (${running} running), ${done} done, ${failed} failed, ${review} review${killed}`;
}

export function renderMonitorFrame(snapshot: QueueSnapshot, colorLevel: 0 | 1 | 2 | 3, columns?: number): string {
  return [
    ...wrapLine(`${renderDepthLine(snapshot)} at ${snapshot.generatedAt}`, columns),
    '',
    renderQueueTable(snapshot, colorLevel, columns),
  ].join('\n');
}
