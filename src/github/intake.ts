import { usageError } from '../core/errors.js';
import type { Issue } from '../adapters/github/rest-resources.js';
import type { QueueTask, TaskSpec } from '../queue/backend.js';
import { MAX_PRIORITY, MIN_PRIORITY } from '../queue/task-rules.js';

/*
 * The pure half of `worker-queue add-issues`: which issue numbers were asked for, which priority
 * each sub-issue gets, and what to add or skip given the queue as it is.
 */

/** `123,124`, `#123 #124`, `123 124`: every number once, in the order given. */
export function parseIssueList(words: readonly string[]): number[] {
  const numbers: number[] = [];
  for (const word of words.flatMap((text) => text.split(/[\s,]+/)).filter(Boolean)) {
    if (!/^#?[1-9]\d{0,8}$/.test(word))
      throw usageError(`${JSON.stringify(word.slice(0, 40))} is not an issue number: give numbers such as 123,124 or #123 #124.`);
    const number = Number(word.replace('#', ''));
    if (!numbers.includes(number)) numbers.push(number);
  }
  if (numbers.length === 0) throw usageError('Give at least one issue number, such as 123 or 123,124.');
  return numbers;
}

/** An issue number as `worker-queue add` takes it: `456` or `#456`. */
export const issueNumberArgument = (text: string): string => (/^#\d+$/.test(text) ? text.slice(1) : text);

/** The words `--priority` accepts and the number each stands for (1 is the most urgent). */
export const PRIORITY_WORDS: Readonly<Record<string, number>> = { critical: 1, high: 3, normal: 5, low: 7 };
/** Labels `P0`..`P3` map like critical, high, normal, low. */
const P_LABELS = ['critical', 'high', 'normal', 'low'] as const;
export const DEFAULT_PRIORITY = PRIORITY_WORDS.normal!;

export function parsePriorityOption(text: string): number {
  const word = PRIORITY_WORDS[text.toLowerCase()];
  if (word !== undefined) return word;
  if (/^\d{1,2}$/.test(text) && Number(text) >= MIN_PRIORITY && Number(text) <= MAX_PRIORITY) return Number(text);
  throw usageError(
    `The priority ${JSON.stringify(text.slice(0, 40))} is not one of critical, high, normal, low or a number from ${MIN_PRIORITY} to ${MAX_PRIORITY}.`,
  );
}

/** `priority: high` / `priority:critical` / `P1` labels; the most urgent wins; none: undefined. */
export function priorityFromLabels(labels: readonly string[]): number | undefined {
  const found = labels.flatMap((label) => {
    const named = /^priority:\s*(critical|high|normal|low)$/i.exec(label.trim());
    if (named) return [PRIORITY_WORDS[named[1]!.toLowerCase()]!];
    const p = /^P([0-3])$/.exec(label.trim());
    return p ? [PRIORITY_WORDS[P_LABELS[Number(p[1])]!]!] : [];
  });
  return found.length > 0 ? Math.min(...found) : undefined;
}

export interface IntakeEntry {
  readonly subissue: number;
  readonly parent: number;
  readonly title: string;
}

export interface IntakeSkip extends IntakeEntry {
  readonly reason: string;
}

/** One parent's candidates: its open sub-issues in order, or the parent itself when it has none. */
export function candidatesOf(parent: Issue, subIssues: readonly Issue[]): { take: Issue[]; closed: Issue[] } {
  if (subIssues.length === 0) return { take: parent.state === 'open' ? [parent] : [], closed: parent.state === 'open' ? [] : [parent] };
  return { take: subIssues.filter((issue) => issue.state === 'open'), closed: subIssues.filter((issue) => issue.state !== 'open') };
}

/**
 * Why a sub-issue of `repo` is not queued again, if it is already in the queue in any state (a
 * task of unknown repository counts, as it may be this repository's).
 */
export function alreadyQueued(tasks: readonly QueueTask[], subissue: number, repo: string): string | undefined {
  const task = tasks.find((candidate) => candidate.subissue === String(subissue) && (candidate.repo ?? repo) === repo);
  if (!task) return undefined;
  const state = task.status === 'claimed' ? `running${task.workerId === null ? '' : ` on worker ${task.workerId}`}` : task.status;
  const hint =
    task.status === 'failed' || task.status === 'review' || task.status === 'cancelled'
      ? `; worker-queue retry ${task.repo ?? repo}#${task.subissue} runs it again`
      : '';
  return `already ${state} as task ${task.id}${hint}`;
}

export const specFor = (entry: IntakeEntry, issue: Issue, flag: number | undefined): TaskSpec => ({
  subissue: String(entry.subissue),
  parent: String(entry.parent),
  priority: flag ?? priorityFromLabels(issue.labels) ?? DEFAULT_PRIORITY,
});
