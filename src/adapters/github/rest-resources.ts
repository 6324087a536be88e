import { z } from 'zod';
import { GithubError, ghList, ghRequest, type GhContext } from './gh-api.js';

/*
 * The REST calls the toolkit makes, each a small function with a zod-typed result. `repo` is
 * `owner/name`, already validated (repository.ts).
 */

const labelSchema = z.union([z.string(), z.object({ name: z.string() }).transform((label) => label.name)]);

export const issueSchema = z.object({
  id: z.number().int(),
  number: z.number().int().positive(),
  title: z.string(),
  body: z
    .string()
    .nullable()
    .optional()
    .transform((body) => body ?? ''),
  state: z.enum(['open', 'closed']),
  labels: z.array(labelSchema).default([]),
  html_url: z.string().optional(),
});
export type Issue = z.infer<typeof issueSchema>;

const commentSchema = z.object({
  body: z
    .string()
    .nullable()
    .transform((body) => body ?? ''),
  user: z.object({ login: z.string() }).nullable().optional(),
  /** The author's relation to the repository: OWNER, MEMBER and COLLABORATOR have write access. */
  author_association: z.string().optional(),
  created_at: z.string().optional(),
});
export type IssueComment = z.infer<typeof commentSchema>;

export const pullSchema = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  state: z.string(),
  /** Set when the pull request was merged (its state is then `closed`). */
  merged_at: z.string().nullable().optional(),
});
export type PullRequest = z.infer<typeof pullSchema>;

function parsed<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new GithubError(
      'refused',
      `GitHub's answer for ${what} is not what its REST API documents (${result.error.issues[0]?.message ?? 'unexpected shape'}).`,
    );
  return result.data;
}

export async function getIssue(context: GhContext, repo: string, number: number): Promise<Issue> {
  const what = `issue #${number} in ${repo}`;
  return parsed(issueSchema, await ghRequest(context, { path: `repos/${repo}/issues/${number}`, what }), what);
}

/** Every sub-issue of `parent`, in GitHub's order, every page. */
export async function listSubIssues(context: GhContext, repo: string, parent: number): Promise<Issue[]> {
  const what = `sub-issues of #${parent} in ${repo}`;
  return parsed(
    z.array(issueSchema),
    await ghList(context, { path: `repos/${repo}/issues/${parent}/sub_issues?per_page=100`, what }),
    what,
  );
}

/** The most recent comments (GitHub lists oldest first; the last page holds the newest). */
export async function listComments(context: GhContext, repo: string, number: number): Promise<IssueComment[]> {
  const what = `comments of #${number} in ${repo}`;
  return parsed(
    z.array(commentSchema),
    await ghList(context, { path: `repos/${repo}/issues/${number}/comments?per_page=100`, what }),
    what,
  );
}

export async function createIssue(context: GhContext, repo: string, issue: { title: string; body: string }): Promise<Issue> {
  const what = `a new issue in ${repo}`;
  return parsed(issueSchema, await ghRequest(context, { path: `repos/${repo}/issues`, method: 'POST', body: issue, what }), what);
}

/** Makes `child` (by its id, not its number) a sub-issue of `parent`. */
export async function addSubIssue(context: GhContext, repo: string, parent: number, child: Issue): Promise<void> {
  await ghRequest(context, {
    path: `repos/${repo}/issues/${parent}/sub_issues`,
    method: 'POST',
    body: { sub_issue_id: child.id },
    what: `sub-issue #${child.number} of #${parent} in ${repo}`,
  });
}

export async function createComment(context: GhContext, repo: string, number: number, body: string): Promise<void> {
  await ghRequest(context, {
    path: `repos/${repo}/issues/${number}/comments`,
    method: 'POST',
    body: { body },
    what: `a comment on #${number} in ${repo}`,
  });
}

/** Every pull request whose head is `branch` in `repo`'s owner, open, closed or merged (newest first). */
export async function listPullRequests(context: GhContext, repo: string, branch: string): Promise<PullRequest[]> {
  const owner = repo.split('/')[0]!;
  const what = `pull requests for ${owner}:${branch}`;
  const query = new URLSearchParams({ head: `${owner}:${branch}`, state: 'all', per_page: '100' });
  return parsed(z.array(pullSchema), await ghRequest(context, { path: `repos/${repo}/pulls?${query.toString()}`, what }), what);
}

export async function createPullRequest(
  context: GhContext,
  repo: string,
  pull: { title: string; head: string; base: string; body: string },
): Promise<PullRequest> {
  const what = `a pull request from ${pull.head} into ${pull.base} in ${repo}`;
  return parsed(pullSchema, await ghRequest(context, { path: `repos/${repo}/pulls`, method: 'POST', body: pull, what }), what);
}

/** The login gh uses, through `GET /user` (REST, no GraphQL). */
export async function getLogin(context: GhContext): Promise<string> {
  const what = 'the logged-in user';
  return parsed(z.object({ login: z.string() }), await ghRequest(context, { path: 'user', what }), what).login;
}
