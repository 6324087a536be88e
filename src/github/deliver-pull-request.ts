import { fetchOriginBranch, getHeadCommit, isAncestor, pushBranch, rebaseBranchOnto } from '../adapters/git.js';
import { GithubError, freshRateBudget, type GhContext } from '../adapters/github/gh-api.js';
import { ensurePullRequest, type Verification } from './pull-requests.js';
import { createComment } from '../adapters/github/rest-resources.js';

/** What delivery needs of a task (the worker's TaskState has it). */
export interface DeliverableTask {
  readonly worktree: string;
  readonly branch: string;
  readonly base_branch: string;
  readonly subissue: string;
  readonly parent: string;
  readonly issue?: { readonly title: string } | null;
  /** The commit an earlier delivery of this task pushed: not pushed again. */
  readonly pushed_commit?: string | null;
}

/** A failed GitHub call, as the worker's outcome takes it (github_error; `retry` false when permanent). */
export interface GithubFailureReport {
  readonly inspectError: string;
  readonly errorClass?: 'github_error';
  readonly retry?: boolean;
  /** The commit pushed before the failure, if the push went through. */
  readonly pushedCommit?: string;
}

/** The branch has its pull request. */
export interface Delivered {
  readonly ghReady: true;
  readonly hasPullRequest: true;
  readonly commitsAhead: number;
  readonly pullRequest: { readonly number: number; readonly url: string };
  readonly pushedCommit: string;
}

/** GitHub mode, as the worker sees it: the repository, how to call gh, and whether to comment. */
export interface GithubLink {
  readonly repo: string;
  readonly gh: GhContext;
  readonly comment: boolean;
}

const PERMANENT = new Set(['not-found', 'auth', 'forbidden', 'not-logged-in', 'missing']);

/** A GitHub failure as the attempt's github_error; a deleted issue or a refused login is not retried. */
export function githubFailure(error: unknown): GithubFailureReport {
  if (error instanceof GithubError)
    return { inspectError: error.message, errorClass: 'github_error', retry: !PERMANENT.has(error.failure) };
  return { inspectError: error instanceof Error ? error.message : String(error) };
}

/**
 * Section 5 of the issue loop: the worker, not the agent, pushes the branch and makes sure it has
 * an open pull request. A failed push is a git_error, a refused pull request a github_error; a
 * failure after the push says which commit went out, so a retry only asks GitHub again.
 */
export async function deliverPullRequest(
  link: GithubLink,
  ts: DeliverableTask,
  commitsAhead: number,
  verification?: Verification,
): Promise<Delivered | GithubFailureReport> {
  const wish = {
    repo: link.repo,
    branch: ts.branch,
    base: ts.base_branch,
    subissue: ts.subissue,
    parent: ts.parent,
    ...(ts.issue ? { title: ts.issue.title } : {}),
    summary: `Opened by hybrid-workers for sub-issue #${ts.subissue}: ${commitsAhead} commit(s) on ${ts.branch}.`,
    ...(verification ? { verification } : {}),
  };
  let pushedCommit: string;
  try {
    pushedCommit = await getHeadCommit(ts.worktree);
    if (pushedCommit === '' || pushedCommit !== ts.pushed_commit) {
      const lease = await catchUpWithOrigin(ts);
      if (typeof lease !== 'string') return lease;
      pushedCommit = await getHeadCommit(ts.worktree);
      await pushBranch(ts.worktree, ts.branch, lease);
    }
  } catch (error) {
    return { inspectError: error instanceof Error ? error.message : String(error) };
  }
  // The task's own GITHUB_MAX_WAIT for rate limits, whatever earlier tasks waited.
  const gh = freshRateBudget(link.gh);
  let pull;
  try {
    pull = await ensurePullRequest(gh, wish);
  } catch (error) {
    const report =
      error instanceof GithubError ? githubFailure(error) : { inspectError: error instanceof Error ? error.message : String(error) };
    return { ...report, pushedCommit };
  }
  if (link.comment && pull.created) {
    // The pull request exists: a failed comment is said, not a reason to fail the task.
    await createComment(gh, link.repo, Number(ts.subissue), `Pull request: ${pull.html_url}`).catch((error: unknown) =>
      link.gh.notice(`could not comment on #${ts.subissue}: ${(error as Error).message}`),
    );
  }
  return { ghReady: true, hasPullRequest: true, commitsAhead, pullRequest: { number: pull.number, url: pull.html_url }, pushedCommit };
}

/**
 * docs/SPEC.md section 14.6: the branch as origin has it now is the head the push leases against,
 * so commits a person pushed are never overwritten. Commits there that this branch lacks are
 * taken in first (this branch's own are replayed on them); when they conflict the delivery fails
 * for a retry, saying so, and nothing is pushed. Returns the lease ('' when origin has no branch).
 */
async function catchUpWithOrigin(ts: DeliverableTask): Promise<string | GithubFailureReport> {
  const seen = (await fetchOriginBranch(ts.worktree, ts.branch)) ?? '';
  if (seen === '' || (await isAncestor(ts.worktree, seen, 'HEAD'))) return seen;
  if (await rebaseBranchOnto(ts.worktree, seen)) return seen;
  return {
    inspectError: `origin's ${ts.branch} has commits this task's do not build on and that conflict with them (a person pushed ${seen.slice(0, 7)}?); nothing was pushed`,
  };
}
