import { pushBranch } from '../adapters/git.js';
import { GithubError, type GhContext } from '../adapters/github/gh-api.js';
import { findRepository } from '../adapters/github/repository-name.js';
import { createPullRequest, findPullRequest, getLogin, type PullRequest } from '../adapters/github/rest-resources.js';
import { plainTitle } from './issue-context.js';

/*
 * GitHub mode and the pull request at the end of a task. GitHub mode is on when gh is installed,
 * its login works (`GET /user`, REST: `gh auth status` would also check github.com, which fails
 * offline) and the repository is known.
 */

export type GithubMode =
  | { readonly on: true; readonly repo: string; readonly login: string; readonly why: string }
  | { readonly on: false; readonly why: string };

export async function detectGithubMode(context: GhContext, repoFlag?: string): Promise<GithubMode> {
  const repository = await findRepository({ ...(repoFlag === undefined ? {} : { flag: repoFlag }), env: context.env, cwd: context.cwd });
  if (!repository) return { on: false, why: 'no GitHub repository is known (no --repo, no GITHUB_REPOSITORY, origin is not on GitHub)' };
  try {
    const login = await getLogin(context);
    return {
      on: true,
      repo: repository.name,
      login,
      why: `gh is logged in as ${login}; repository ${repository.name} from ${repository.from}`,
    };
  } catch (error) {
    if (error instanceof GithubError) return { on: false, why: error.message };
    throw error;
  }
}

export interface PullRequestWish {
  readonly repo: string;
  readonly branch: string;
  readonly base: string;
  readonly subissue: string;
  readonly parent: string;
  /** The sub-issue's title, when known. */
  readonly title?: string;
  readonly summary: string;
}

/** "Closes #sub, part of #parent" is what makes GitHub close the sub-issue when the PR merges. */
export function pullRequestBody(wish: PullRequestWish): string {
  const partOf = wish.parent === wish.subissue ? '' : `, part of #${wish.parent}`;
  return `Closes #${wish.subissue}${partOf}.\n\n${wish.summary}`;
}

/**
 * Pushes the branch to origin (a failure throws git's message), then finds the branch's pull
 * request or opens one: running it again after a crash finds the first one instead of a second.
 */
export async function ensurePullRequest(
  context: GhContext,
  worktree: string,
  wish: PullRequestWish,
): Promise<PullRequest & { created: boolean }> {
  await pushBranch(worktree, wish.branch);
  const existing = await findPullRequest(context, wish.repo, wish.branch);
  if (existing) return { ...existing, created: false };
  const created = await createPullRequest(context, wish.repo, {
    // One plain line: an issue title may carry \r\n or bidi controls (U+202E) into the pull request.
    title: plainTitle(wish.title ?? '') || `Sub-issue #${wish.subissue}`,
    head: wish.branch,
    base: wish.base,
    body: pullRequestBody(wish),
  });
  return { ...created, created: true };
}

/** One line (and its JSON twin) for setup and `worker-manager status`: which mode the pool is in, and why. */
export async function githubModeReport(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ line: string; json: { on: boolean; repo: string | null; why: string } }> {
  const { ghContext } = await import('../adapters/github/gh-api.js');
  const mode = await detectGithubMode(ghContext(cwd, env, () => undefined));
  const line = mode.on
    ? `GitHub mode: on (${mode.why}): workers push and open pull requests`
    : `GitHub mode: off (${mode.why}): commits ahead of the base branch are success`;
  return { line, json: { on: mode.on, repo: mode.on ? mode.repo : null, why: mode.why } };
}
