import { GithubError, type GhContext } from '../adapters/github/gh-api.js';
import { findRepository } from '../adapters/github/repository-name.js';
import { createPullRequest, getLogin, listPullRequests, type PullRequest } from '../adapters/github/rest-resources.js';
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
  /** WORKER_VERIFY_CMD's result (docs/SPEC.md section 15.3): a failed one opens a draft. */
  readonly verification?: Verification;
}

/** How the task's work fared under WORKER_VERIFY_CMD. */
export interface Verification {
  readonly command: string;
  readonly rounds: number;
  readonly passed: boolean;
  /** The end of the last failing run's output. */
  readonly tail: string;
}

/** A fence longer than any run of backticks in `text`, so the text cannot close it. */
export const fenceFor = (text: string) => '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));

/** The pull request's paragraph on verification. */
export function verificationText(verification: Verification): string {
  const command = verification.command.replace(/`/g, "'");
  if (verification.passed) return `Verified with \`${command}\` (round ${verification.rounds}).`;
  const fence = fenceFor(verification.tail);
  return [
    `**Unverified**: verification failed after ${verification.rounds} round(s): \`${command}\` still fails, so this pull request stays a draft for a person to look at. The output ends:`,
    '',
    fence,
    verification.tail,
    fence,
  ].join('\n');
}

/** "Closes #sub, part of #parent" is what makes GitHub close the sub-issue when the PR merges. */
export function pullRequestBody(wish: PullRequestWish): string {
  const partOf = wish.parent === wish.subissue ? '' : `, part of #${wish.parent}`;
  const verified = wish.verification ? `\n\n${verificationText(wish.verification)}` : '';
  return `Closes #${wish.subissue}${partOf}.\n\n${wish.summary}${verified}`;
}

/**
 * Finds the branch's open pull request or opens one: running it again after a crash finds the
 * first one instead of a second. A closed or merged pull request of the branch does not count
 * (docs/SPEC.md section 14.1): the task's outcome is an open one. The caller has pushed the branch.
 */
export async function ensurePullRequest(context: GhContext, wish: PullRequestWish): Promise<PullRequest & { created: boolean }> {
  const open = (await listPullRequests(context, wish.repo, wish.branch)).find(isOpen);
  if (open) return { ...open, created: false };
  const created = await createPullRequest(context, wish.repo, {
    // One plain line: an issue title may carry \r\n or bidi controls (U+202E) into the pull request.
    title: plainTitle(wish.title ?? '') || `Sub-issue #${wish.subissue}`,
    head: wish.branch,
    base: wish.base,
    body: pullRequestBody(wish),
    ...(wish.verification?.passed === false ? { draft: true } : {}),
  });
  return { ...created, created: true };
}

const isOpen = (pull: PullRequest) => pull.state === 'open';

/** Names tried after a task's own branch name: `-2` up to this suffix. */
const MAX_BRANCH_SUFFIX = 50;

/** The branch a task works on, and the earlier branches it left because their pull requests had ended. */
export interface TaskBranch {
  readonly branch: string;
  readonly ended: readonly { readonly branch: string; readonly number: number; readonly merged: boolean }[];
}

/**
 * docs/SPEC.md section 14.1: the branch for a task of `name` (`subissue/<parent>-<id>`). A branch whose
 * pull request is open, or that has none yet, is the task's; a branch whose pull requests all
 * closed or merged is done with, and the task moves on to `name-2`, `name-3`, ... Every host asks
 * GitHub the same question, so every host picks the same branch.
 */
export async function chooseTaskBranch(context: GhContext, repo: string, name: string): Promise<TaskBranch> {
  const ended: { branch: string; number: number; merged: boolean }[] = [];
  for (let suffix = 1; suffix <= MAX_BRANCH_SUFFIX; suffix += 1) {
    const branch = suffix === 1 ? name : `${name}-${suffix}`;
    const pulls = await listPullRequests(context, repo, branch);
    if (pulls.length === 0 || pulls.some(isOpen)) return { branch, ended };
    const last = pulls[0]!;
    ended.push({ branch, number: last.number, merged: Boolean(last.merged_at) });
  }
  // Permanent ('forbidden' is not retried): a person decides what a task rejected 50 times needs.
  throw new GithubError(
    'forbidden',
    `The branches ${name} to ${name}-${MAX_BRANCH_SUFFIX} all have closed or merged pull requests: no branch is left for a new one.`,
  );
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
