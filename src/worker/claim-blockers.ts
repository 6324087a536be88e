import { fetchOriginBranch, getBranchCommit, getWorktrees, hasBranch, isAncestor, moveBranch } from '../adapters/git.js';
import { freshRateBudget } from '../adapters/github/gh-api.js';
import { decideAtClaim, listOpenPulls, openBlockersOf, type ClaimDecision } from '../github/stacking.js';
import { logError, type Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';

/*
 * docs/SPEC.md section 8.5: a claimed sub-issue's blockers are read again just before its agent
 * starts (a dependency may have been added on GitHub after intake). A new open blocker hands the
 * task back blocked; with STACK_ON_BLOCKERS a blocker's open pull request is a branch to start from.
 */

/**
 * What the claimed task does: start, stack (its base becomes the blocker's branch, made present
 * locally from origin), or wait. A failed GitHub read lets it start: intake read the blockers
 * already, and a task is not stopped by a dependency nobody could see.
 */
export async function recheckBlockers(rt: Runtime, ts: TaskState): Promise<ClaimDecision> {
  if (!rt.github || ts.kind !== null) return { kind: 'start' };
  const { repo } = rt.github;
  const gh = freshRateBudget(rt.github.gh);
  try {
    const open = await openBlockersOf(gh, repo, Number(ts.subissue), rt.now().getTime());
    if (open.length === 0) return { kind: 'start' };
    const pulls = rt.settings.STACK_ON_BLOCKERS ? await listOpenPulls(gh, repo) : [];
    const decision = decideAtClaim(open, repo, pulls, rt.settings.STACK_ON_BLOCKERS);
    if (decision.kind === 'stack') await presentStackBase(rt.repo, decision.branch);
    return decision;
  } catch (error) {
    await logError(rt, `task ${ts.subissue}: could not read its blockers again at claim: ${(error as Error).message}`);
    return { kind: 'start' };
  }
}

/**
 * The blocker's branch as origin has it, as a local branch (the base the worktree starts from and
 * commits are counted against): made when missing, moved forward when behind and not checked out.
 */
async function presentStackBase(repo: string, branch: string): Promise<void> {
  const origin = await fetchOriginBranch(repo, branch);
  if (origin === undefined) return;
  if (!(await hasBranch(repo, branch))) {
    await moveBranch(repo, branch, origin, '');
    return;
  }
  const local = await getBranchCommit(repo, branch);
  const checkedOut = (await getWorktrees(repo)).some((entry) => entry.branch === branch);
  if (local !== origin && !checkedOut && (await isAncestor(repo, local, origin))) await moveBranch(repo, branch, origin, local);
}
