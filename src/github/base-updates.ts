import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addDetachedWorktree,
  fetchOriginBranch,
  fetchOriginBranches,
  getCommit,
  getGitIdentity,
  IDENTITY_FALLBACK,
  getMergeConflicts,
  isAncestor,
  pushCommitWithLease,
  removeWorktree,
  updateOnto,
} from '../adapters/git.js';
import { conflictLine } from './conflict-summary.js';
import { emptyMemory, plainMemory as kept, queueOnce, type FollowUpMemory } from './pull-request-followups.js';
import { isFinal } from './pull-request-watch.js';
import type { AfterRound, WatchedPull } from './pull-request-watcher.js';

/*
 * Siblings and a moving base (docs/SPEC.md section 14.6). After each round of looks the watcher
 * checks every open pull request of the pool against its base as origin has it now, locally
 * (`git merge-tree`): one that conflicts becomes a resolve-conflict follow-up; one GitHub calls
 * `behind` (branch protection wants it up to date) is rebased or merged with the base by the
 * watcher itself, no agent, and pushed with lease; any other is left alone (a needless update
 * re-runs CI and may dismiss approvals).
 */

export type UpdateMethod = 'rebase' | 'merge';
export type BaseAction = 'none' | 'update' | 'resolve-conflict';

/** What a pull request needs against its base, from the local check and what GitHub last said. */
export function decideBaseAction(input: {
  readonly upToDate: boolean;
  readonly conflicts: readonly string[];
  readonly mergeableState: string;
}): BaseAction {
  if (input.upToDate) return 'none';
  if (input.conflicts.length > 0) return 'resolve-conflict';
  return input.mergeableState === 'behind' ? 'update' : 'none';
}

/** The key a pull request's last base check was made for: a new base, head or GitHub verdict asks again. */
export const baseCheckKey = (baseSha: string, pull: Pick<WatchedPull, 'head_sha' | 'cache'>) =>
  `${baseSha}:${pull.head_sha ?? ''}:${pull.cache.pull?.data.mergeable_state ?? 'unknown'}`;

/** The open pull requests whose base check is due, given each base branch's commit on origin. */
export function pullsToCheck(pulls: readonly WatchedPull[], baseHeads: ReadonlyMap<string, string>): WatchedPull[] {
  return pulls.filter((pull) => {
    const base = pull.cache.pull?.data.base.ref;
    const baseSha = base === undefined ? undefined : baseHeads.get(base);
    return !isFinal(pull.state) && pull.head_sha !== null && baseSha !== undefined && pull.base_check !== baseCheckKey(baseSha, pull);
  });
}

/** The watcher's round (its file, its hands, whether a sub-issue has a task at work), and where and how to update. */
export interface BaseUpdateDeps extends AfterRound {
  /** The repository (its origin is the pull requests' repository). */
  readonly repoDir: string;
  readonly method: UpdateMethod;
}

/** One pass over the open pull requests; what a pull request got is kept in its entry. */
export async function updateOnMovedBase(deps: BaseUpdateDeps): Promise<void> {
  const file = await deps.store.read();
  const open = Object.values(file.pulls).filter((pull) => !isFinal(pull.state) && pull.cache.pull !== undefined);
  if (open.length === 0) return;
  const bases = [...new Set(open.map((pull) => pull.cache.pull!.data.base.ref))];
  // One fetch per pass for every base: the steady state costs this and nothing else.
  await fetchOriginBranches(deps.repoDir, bases);
  const baseHeads = new Map<string, string>();
  for (const base of bases) {
    const sha = await fetchedCommit(deps.repoDir, base);
    if (sha !== undefined) baseHeads.set(base, sha);
  }
  for (const pull of pullsToCheck(open, baseHeads)) {
    const baseSha = baseHeads.get(pull.cache.pull!.data.base.ref)!;
    const done = await checkOne(deps, pull, baseSha);
    if (done === undefined) continue;
    await deps.store.update((draft) => {
      const entry = draft.pulls[pull.task_id];
      if (entry?.pr_number !== pull.pr_number) return;
      draft.pulls[pull.task_id] = {
        ...entry,
        base_check: baseCheckKey(baseSha, pull),
        ...(done.followups ? { followups: done.followups } : {}),
      };
    });
  }
}

const fetchedCommit = (repo: string, branch: string): Promise<string | undefined> =>
  getCommit(repo, `refs/remotes/origin/${branch}`).catch(() => undefined);

/** Checks and acts on one pull request; undefined when it must be checked again next pass. */
async function checkOne(
  deps: BaseUpdateDeps,
  pull: WatchedPull,
  baseSha: string,
): Promise<{ followups?: WatchedPull['followups'] } | undefined> {
  const { repoDir, hands } = deps;
  const branch = pull.cache.pull!.data.head.ref;
  const base = pull.cache.pull!.data.base.ref;
  const head = await fetchOriginBranch(repoDir, branch);
  // GitHub's view and origin's differ (a push just now): the next look brings them together.
  if (head !== pull.head_sha) return undefined;
  const upToDate = await isAncestor(repoDir, baseSha, head);
  const conflicts = upToDate ? [] : await getMergeConflicts(repoDir, baseSha, head);
  const action = decideBaseAction({ upToDate, conflicts, mergeableState: pull.cache.pull!.data.mergeable_state });
  if (action === 'none') return {};
  if (action === 'update') {
    if (await deps.busy(pull.task_id)) return undefined;
    const updated = await updateBranch(deps, head, baseSha);
    if (updated !== undefined) {
      try {
        await pushCommitWithLease(repoDir, updated, branch, head);
      } catch (error) {
        await hands.say(
          `Pull request #${pull.pr_number}: the update onto ${base} was not pushed (${(error as Error).message}); it is checked again.`,
        );
        return undefined;
      }
      await hands.say(
        `Pull request #${pull.pr_number}: ${deps.method === 'rebase' ? 'rebased onto' : 'merged with'} ${base} (${baseSha.slice(0, 7)}) with no agent, as branch protection wants it up to date; pushed with lease over ${head.slice(0, 7)}.`,
      );
      return {};
    }
    // A rebase can stop on a commit where the whole merge does not: the agent resolves it.
  }
  return queueResolve(hands, pull, `${baseSha}:${head}`, conflicts, base);
}

async function updateBranch(deps: BaseUpdateDeps, head: string, baseSha: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-pr-update-'));
  const worktree = join(dir, 'worktree');
  try {
    await addDetachedWorktree(deps.repoDir, worktree, head);
    const identity = (await getGitIdentity(deps.repoDir)) ? [] : IDENTITY_FALLBACK;
    return await updateOnto(worktree, baseSha, deps.method, identity);
  } finally {
    await removeWorktree(deps.repoDir, worktree).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function queueResolve(
  hands: AfterRound['hands'],
  pull: WatchedPull,
  on: string,
  conflicts: readonly string[],
  base: string,
): Promise<{ followups?: WatchedPull['followups'] } | undefined> {
  const memory: FollowUpMemory = pull.followups ?? emptyMemory();
  const paths = conflicts.length > 0 ? conflictLine(conflicts) : 'a commit of the branch on rebase';
  const action = queueOnce(
    { memory, max: hands.max, pr: { number: pull.pr_number, url: pull.pr_url } },
    'resolve-conflict',
    on,
    `conflicts with ${base} in ${paths}`,
  );
  if (action.type === 'none') return {};
  if (action.type === 'tell') {
    await hands.tell(action.message);
    return { followups: { ...kept(memory), told: [...memory.told, action.key] } };
  }
  if (action.type !== 'queue') return {};
  if (!(await hands.queue({ subissue: pull.task_id, parent: pull.parent, kind: 'resolve-conflict' }))) return undefined;
  const count = (memory.counts['resolve-conflict'] ?? 0) + 1;
  await hands.say(
    `Pull request #${pull.pr_number}: conflicts with ${base} in ${paths}; queued resolve-conflict follow-up ${count} of ${hands.max} for sub-issue #${pull.task_id}.`,
  );
  const before = kept(memory);
  return {
    followups: {
      ...before,
      counts: { ...before.counts, 'resolve-conflict': count },
      acted_on: { ...before.acted_on, 'resolve-conflict': on },
    },
  };
}
