import type { JsonFile } from '../core/json-store.js';
import { GithubError } from '../adapters/github/gh-api.js';
import type { MergeMethod, MergeOutcome } from '../adapters/github/merge-pull.js';
import { planMergeTrain, type TrainPull } from './merge-train.js';
import type { ChecksState, PullState } from './pull-request-watch.js';

/*
 * AUTO_MERGE (docs/SPEC.md section 14.7): after a round of looks, each parent's first pull request
 * in dependency order is merged when it is `ready` (a person with write access approved it, checks
 * green, mergeable, not a draft), at the head commit that was judged. GitHub's branch protection
 * applies on top: a refusal is told once per head commit, never retried in a loop.
 */

export interface MergeHands {
  readonly method: MergeMethod;
  merge(pull: { readonly number: number; readonly sha: string }): Promise<MergeOutcome>;
  /** Each task's blockers, as task ids of the same repository (the queue's tasks). */
  blockers(): Promise<ReadonlyMap<string, readonly string[]>>;
  tell(message: string): Promise<void>;
  say(message: string): Promise<void>;
}

/** What this needs of the watcher's file (pull-request-watcher.ts, which calls it). */
interface KeptPull {
  readonly task_id: string;
  readonly parent: string;
  readonly pr_number: number;
  readonly pr_url: string;
  state: PullState;
  readonly checks: ChecksState;
  readonly head_sha: string | null;
  next_poll_at: string;
  followups?: { counts: Record<string, number>; acted_on: Record<string, string>; rerun: string[]; told: string[] } | undefined;
  attention?: { at: string; message: string } | null | undefined;
}
interface KeptFile {
  pulls: Record<string, KeptPull>;
}

/** A pull request merged, as the watcher logs its transitions. */
export interface MergedPull {
  readonly task_id: string;
  readonly pr_number: number;
  readonly pr_url: string;
  readonly from: { readonly state: PullState; readonly checks: ChecksState };
  readonly to: { readonly state: PullState; readonly checks: ChecksState };
}

const refusedKey = (sha: string | null) => `merge-refused:${sha ?? ''}`;

const trainPull = (pull: KeptPull): TrainPull => ({
  task_id: pull.task_id,
  parent: pull.parent,
  pr_number: pull.pr_number,
  state: pull.state,
  refused: pull.followups?.told.includes(refusedKey(pull.head_sha)) ?? false,
});

/** After a merge the base moved: the parent's other open pull requests are looked at again at once. */
export function lookAgainAtSiblings(file: KeptFile, parent: string, now: Date): void {
  for (const pull of Object.values(file.pulls)) {
    if (pull.parent === parent && pull.state !== 'merged' && pull.state !== 'closed') pull.next_poll_at = now.toISOString();
  }
}

/** One merge per parent whose train may move; returns the pull requests merged. */
export async function mergeReadyPulls<F extends KeptFile>(deps: {
  readonly store: JsonFile<F>;
  readonly hands: MergeHands;
  readonly now: () => Date;
  /** On a shared queue: false when another host's watcher acts on this pull request. */
  readonly lease?: (prNumber: number) => Promise<boolean>;
}): Promise<MergedPull[]> {
  const { store, hands } = deps;
  const file = await store.read();
  const byTask = new Map(Object.values(file.pulls).map((pull) => [pull.task_id, pull]));
  const steps = planMergeTrain(Object.values(file.pulls).map(trainPull), await hands.blockers());
  const merged: MergedPull[] = [];
  for (const step of steps) {
    const pull = step.merge === null ? undefined : byTask.get(step.merge.task_id);
    if (pull === undefined || pull.head_sha === null) continue;
    if (deps.lease && !(await deps.lease(pull.pr_number))) continue;
    let outcome: MergeOutcome;
    try {
      outcome = await hands.merge({ number: pull.pr_number, sha: pull.head_sha });
    } catch (error) {
      // A rate limit or an unreachable GitHub: the next round tries again (it is not a refusal).
      if (!(error instanceof GithubError)) throw error;
      await hands.say(`Could not merge pull request #${pull.pr_number} this round: ${error.message}`);
      continue;
    }
    const now = deps.now();
    if (outcome.merged) {
      await store.update((draft) => {
        const kept: KeptPull | undefined = draft.pulls[pull.task_id];
        if (kept?.pr_number !== pull.pr_number) return;
        Object.assign(kept, { state: 'merged', checked_at: now.toISOString(), last_change_at: now.toISOString() });
        lookAgainAtSiblings(draft, pull.parent, now);
      });
      merged.push({
        task_id: pull.task_id,
        pr_number: pull.pr_number,
        pr_url: pull.pr_url,
        from: { state: pull.state, checks: pull.checks },
        to: { state: 'merged', checks: pull.checks },
      });
      await hands.say(`Merged pull request #${pull.pr_number} of task ${pull.task_id} (AUTO_MERGE=${hands.method}): ${pull.pr_url}.`);
      continue;
    }
    const message = `GitHub refused to merge pull request #${pull.pr_number} (AUTO_MERGE=${hands.method}): ${outcome.reason} Merge it on GitHub (${pull.pr_url}) or do what its branch protection asks; the pool tries again only after a new commit.`;
    await store.update((draft) => {
      const kept: KeptPull | undefined = draft.pulls[pull.task_id];
      if (kept?.pr_number !== pull.pr_number) return;
      const memory = kept.followups ?? { counts: {}, acted_on: {}, rerun: [], told: [] };
      kept.followups = { ...memory, told: [...memory.told, refusedKey(pull.head_sha)] };
      kept.attention = { at: now.toISOString(), message };
    });
    await hands.tell(message);
  }
  return merged;
}
