import type { TaskKind } from '../queue/backend.js';
import type { FailingCheck, PullVerdict } from './pull-request-watch.js';

/*
 * What the watcher does about a pull request that needs work (docs/SPEC.md section 14.3), decided
 * from its record alone. Level-triggered: the same record gives the same answer, so a watcher
 * killed at any point and started again decides the same, and what was done is remembered per
 * head commit (fix-ci) or per review (address-review).
 */

/** What the watcher remembers of its follow-ups on one pull request. */
export interface FollowUpMemory {
  /** Follow-ups queued so far, per kind. */
  readonly counts: Partial<Record<TaskKind, number>>;
  /** Per kind, what the last one was queued for: the head commit (fix-ci) or the review's id (address-review). */
  readonly acted_on: Partial<Record<TaskKind, string>>;
  /** `<head sha>:<check name>` of each check already re-run once. */
  readonly rerun: readonly string[];
  /** Keys of what the person was told, each told once. */
  readonly told: readonly string[];
}

export const emptyMemory = (): FollowUpMemory => ({ counts: {}, acted_on: {}, rerun: [], told: [] });

/** The memory as the watcher's file keeps it: plain records, no absent counts. */
export const plainMemory = (memory: FollowUpMemory) => ({
  counts: Object.fromEntries(Object.entries(memory.counts).filter((entry): entry is [string, number] => entry[1] !== undefined)),
  acted_on: Object.fromEntries(Object.entries(memory.acted_on).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  rerun: [...memory.rerun],
  told: [...memory.told],
});

export type FollowUpAction =
  | { readonly type: 'none' }
  /** Re-run these check runs once before an agent is called. */
  | { readonly type: 'rerun'; readonly checks: readonly FailingCheck[]; readonly keys: readonly string[] }
  /** Tell the person (once per key). */
  | { readonly type: 'tell'; readonly key: string; readonly message: string }
  | { readonly type: 'queue'; readonly kind: TaskKind; readonly on: string };

/** Conclusions a re-run may change; `action_required` waits for a maintainer, not for a re-run. */
const RERUNNABLE = new Set(['failure', 'timed_out', 'cancelled', 'startup_failure', 'stale']);

export interface FollowUpInput {
  readonly verdict: Pick<PullVerdict, 'state' | 'checks' | 'failing'>;
  readonly head_sha: string;
  /** The id of the latest review asking for changes from a person with write access, if it is in force. */
  readonly changesRequestedBy: { readonly id: number; readonly login: string } | null;
  readonly memory: FollowUpMemory;
  readonly max: number;
  readonly pr: { readonly number: number; readonly url: string };
}

export function decideFollowUp(input: FollowUpInput): FollowUpAction {
  const { verdict, memory, head_sha: sha, pr } = input;
  if (verdict.state === 'merged' || verdict.state === 'closed') return { type: 'none' };
  if (verdict.checks === 'failing') {
    const waiting = verdict.failing.filter((check) => check.conclusion === 'action_required');
    if (waiting.length > 0) {
      return tellOnce(
        memory,
        `action_required:${sha}`,
        `Pull request #${pr.number} waits for a maintainer to approve its workflows (${waiting.map((check) => check.name).join(', ')}): approve them on GitHub (${pr.url}); no agent is started for it.`,
      );
    }
    const rerun = verdict.failing.filter(
      (check) => check.check_run_id !== null && RERUNNABLE.has(check.conclusion) && !memory.rerun.includes(`${sha}:${check.name}`),
    );
    if (rerun.length > 0) return { type: 'rerun', checks: rerun, keys: rerun.map((check) => `${sha}:${check.name}`) };
    return queueOnce(input, 'fix-ci', sha, lastFailure(verdict.failing));
  }
  if (verdict.state === 'changes_requested' && input.changesRequestedBy !== null) {
    return queueOnce(
      input,
      'address-review',
      String(input.changesRequestedBy.id),
      `changes requested by ${input.changesRequestedBy.login}`,
    );
  }
  return { type: 'none' };
}

/** Queue a follow-up of `kind` for `on` unless one was already queued for it, or tell the person once when FOLLOWUP_MAX is spent. */
export function queueOnce(input: Pick<FollowUpInput, 'memory' | 'max' | 'pr'>, kind: TaskKind, on: string, last: string): FollowUpAction {
  const { memory, pr } = input;
  if (memory.acted_on[kind] === on) return { type: 'none' };
  const done = memory.counts[kind] ?? 0;
  if (done >= input.max) {
    return tellOnce(
      memory,
      `exhausted:${kind}`,
      `Pull request #${pr.number} still needs ${kind} after ${done} follow-up(s), the most FOLLOWUP_MAX allows; a person must take it from here (${pr.url}). Last failure: ${last}.`,
    );
  }
  return { type: 'queue', kind, on };
}

const tellOnce = (memory: FollowUpMemory, key: string, message: string): FollowUpAction =>
  memory.told.includes(key) ? { type: 'none' } : { type: 'tell', key, message };

const lastFailure = (failing: readonly FailingCheck[]) =>
  failing.map((check) => `${check.name} (${check.conclusion}${check.summary ? `: ${check.summary}` : ''})`).join('; ') || 'checks failing';
