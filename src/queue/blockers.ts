import type { QueueBackend, QueueTask } from './backend.js';
import { blockersOf, isActive } from './task-rules.js';

/*
 * Blocked work (docs/SPEC.md section 8.5): a task's open blockers are stored on it, claim skips a
 * task that has any, and the passes here remove the blockers found finished. Pure decisions; the
 * callers bring what GitHub said.
 */

/** A blocker as one key across repositories: `owner/name#201` (`#201` for a task of unknown repository). */
export const blockerKey = (task: Pick<QueueTask, 'repo'>, blocker: string): string =>
  blocker.includes('#') ? blocker : `${task.repo ?? ''}#${blocker}`;

/** The key of a task's own issue, as its dependants name it. */
export const issueKey = (task: Pick<QueueTask, 'repo' | 'subissue'>): string => `${task.repo ?? ''}#${task.subissue}`;

/** What is known of the blockers: which finished tasks have landed, which issues are closed. */
export interface BlockerFacts {
  /**
   * Whether a task finished `done` has landed: its pull request merged (GitHub mode), or always
   * (tasks queued by hand open no pull request).
   */
  readonly landed: (task: QueueTask) => boolean;
  /** Issue keys (blockerKey) known closed on GitHub. */
  readonly closedIssues?: ReadonlySet<string>;
}

/** The newest task of each issue key. */
function tasksByIssue(tasks: readonly QueueTask[]): Map<string, QueueTask> {
  const byIssue = new Map<string, QueueTask>();
  for (const task of tasks) {
    const key = issueKey(task);
    const known = byIssue.get(key);
    if (!known || (isActive(task) && !isActive(known)) || (isActive(task) === isActive(known) && Number(task.id) > Number(known.id)))
      byIssue.set(key, task);
  }
  return byIssue;
}

export interface BlockerChange {
  readonly task: QueueTask;
  readonly remaining: readonly string[];
  readonly cleared: readonly string[];
}

/** For every queued task with blockers, those now finished (a task done and landed, or an issue closed). */
export function clearedBlockers(tasks: readonly QueueTask[], facts: BlockerFacts): BlockerChange[] {
  const byIssue = tasksByIssue(tasks);
  const changes: BlockerChange[] = [];
  for (const task of tasks) {
    const blockers = blockersOf(task);
    if (task.status !== 'queued' || blockers.length === 0) continue;
    const isCleared = (blocker: string) => {
      const key = blockerKey(task, blocker);
      const blocking = byIssue.get(key);
      if (blocking?.status === 'done' && facts.landed(blocking)) return true;
      return facts.closedIssues?.has(key) ?? false;
    };
    const cleared = blockers.filter(isCleared);
    if (cleared.length > 0) changes.push({ task, cleared, remaining: blockers.filter((blocker) => !cleared.includes(blocker)) });
  }
  return changes;
}

/** The open blockers (keys) no task of the queue is done with: the issues whose state GitHub is asked for. */
export function openBlockerKeys(tasks: readonly QueueTask[]): string[] {
  const keys = new Set<string>();
  for (const task of tasks) if (task.status === 'queued') for (const blocker of blockersOf(task)) keys.add(blockerKey(task, blocker));
  return [...keys].sort();
}

/** Removes the finished blockers found by clearedBlockers; returns what changed. */
export async function releaseBlockers(backend: QueueBackend, facts: BlockerFacts): Promise<BlockerChange[]> {
  const changes = clearedBlockers(await backend.list(), facts);
  for (const change of changes) await backend.setBlockers(change.task.id, change.remaining);
  return changes;
}

/**
 * The cycles among the queued tasks' blockers, each as the issue keys in it (smallest first),
 * once each: nothing in a cycle can ever start, so the person is told.
 */
export function findCycles(tasks: readonly QueueTask[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const task of tasks.filter(isActive))
    edges.set(
      issueKey(task),
      blockersOf(task).map((blocker) => blockerKey(task, blocker)),
    );
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (key: string) => {
    state.set(key, 'visiting');
    path.push(key);
    for (const next of edges.get(key) ?? []) {
      if (state.get(next) === 'visiting') {
        const cycle = path.slice(path.indexOf(next));
        const start = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join(' '), rotated);
      } else if (!state.has(next) && edges.has(next)) visit(next);
    }
    path.pop();
    state.set(key, 'done');
  };
  for (const key of [...edges.keys()].sort()) if (!state.has(key)) visit(key);
  return [...cycles.values()];
}

/**
 * The order the tasks will be taken in, as far as blockers decide it: every task after its
 * blockers (those in the list), otherwise as given; the tasks of a cycle last.
 */
export function blockersFirst<T>(items: readonly T[], keyOf: (item: T) => string, blockersOfItem: (item: T) => readonly string[]): T[] {
  const keys = new Set(items.map(keyOf));
  const placed = new Set<string>();
  const order: T[] = [];
  let remaining = [...items];
  while (remaining.length > 0) {
    const ready = remaining.filter((item) => blockersOfItem(item).every((blocker) => !keys.has(blocker) || placed.has(blocker)));
    // Only a cycle is left: its tasks keep the order given.
    const take = ready.length > 0 ? ready.slice(0, 1) : remaining;
    for (const item of take) {
      placed.add(keyOf(item));
      order.push(item);
    }
    remaining = remaining.filter((item) => !take.includes(item));
  }
  return order;
}

/** A cycle as the person reads it: `#3 -> #4 -> #3`. */
export const cycleText = (cycle: readonly string[], repo: string | undefined) =>
  [...cycle, cycle[0]!].map((key) => (repo !== undefined && key.startsWith(`${repo}#`) ? key.slice(repo.length) : key)).join(' -> ');

/** What waits on what (docs/SPEC.md section 8.5), as the page shows it from the queue `status` reads. */
export interface WaitingView {
  /** Each queued task an open blocker holds, e.g. `{ subissue: '202', blocked_by: ['#201'] }`. */
  readonly blocked: readonly { readonly subissue: string; readonly parent: string; readonly blocked_by: readonly string[] }[];
  /** Each cycle as `#7 -> #8 -> #7` (repositories named only when the tasks are of several). */
  readonly cycles: readonly string[];
}

export function waitingView(tasks: readonly QueueTask[]): WaitingView {
  const repos = new Set(tasks.map((task) => task.repo ?? ''));
  const repo = repos.size === 1 ? [...repos][0] : undefined;
  const name = (blocker: string) =>
    blocker.includes('#') && repo !== undefined && blocker.startsWith(`${repo}#`)
      ? blocker.slice(repo.length)
      : blocker.includes('#')
        ? blocker
        : `#${blocker}`;
  return {
    blocked: tasks
      .filter((task) => task.status === 'queued' && blockersOf(task).length > 0)
      .map((task) => ({ subissue: task.subissue, parent: task.parent, blocked_by: blockersOf(task).map(name) })),
    cycles: findCycles(tasks).map((cycle) => cycleText(cycle, repo)),
  };
}
