import { z } from 'zod';
import { GithubError, ghConditional, ghList, ghRequest, type GhContext } from './gh-api.js';

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

/** An issue that blocks another, with the repository it belongs to (a blocker may be in another). */
export const blockingIssueSchema = issueSchema.extend({ repository_url: z.string().optional() }).transform((issue) => {
  const { repository_url, ...rest } = issue;
  const match = /\/repos\/([^/]+\/[^/]+)$/.exec(repository_url ?? '');
  return { ...rest, repo: match?.[1] };
});
export type BlockingIssue = z.infer<typeof blockingIssueSchema>;

/**
 * The issues that block issue `number` (GitHub's issue dependencies, "blocked by"), every page;
 * `repo` on each is its repository, undefined when GitHub did not say (then `repo`'s).
 */
export async function listBlockedBy(context: GhContext, repo: string, number: number): Promise<BlockingIssue[]> {
  const what = `the issues blocking #${number} in ${repo}`;
  return parsed(
    z.array(blockingIssueSchema),
    await ghList(context, { path: `repos/${repo}/issues/${number}/dependencies/blocked_by?per_page=100`, what }),
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
  pull: { title: string; head: string; base: string; body: string; draft?: boolean },
): Promise<PullRequest> {
  const what = `a pull request from ${pull.head} into ${pull.base} in ${repo}`;
  return parsed(pullSchema, await ghRequest(context, { path: `repos/${repo}/pulls`, method: 'POST', body: pull, what }), what);
}

/** The login gh uses, through `GET /user` (REST, no GraphQL). */
export async function getLogin(context: GhContext): Promise<string> {
  const what = 'the logged-in user';
  return parsed(z.object({ login: z.string() }), await ghRequest(context, { path: 'user', what }), what).login;
}

/*
 * What the pull-request watcher reads (docs/SPEC.md section 14.2), each through a conditional
 * request: the caller keeps the ETag and the last parsed answer, and a 304 hands that back.
 */

const nullableText = z
  .string()
  .nullable()
  .optional()
  .transform((text) => text ?? '');

export const pullDetailSchema = z.object({
  number: z.number().int().positive(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  // Every schema of the watcher accepts its own output, so what it keeps reads back through it.
  merged: z
    .boolean()
    .nullable()
    .optional()
    .transform((merged) => merged === true),
  draft: z
    .boolean()
    .nullable()
    .optional()
    .transform((draft) => draft === true),
  // null while GitHub is still computing it.
  mergeable: z
    .boolean()
    .nullable()
    .optional()
    .transform((mergeable) => mergeable ?? null),
  mergeable_state: z
    .string()
    .nullable()
    .optional()
    .transform((state) => state ?? 'unknown'),
  updated_at: z
    .string()
    .nullable()
    .optional()
    .transform((at) => at ?? null),
  head: z.object({ sha: z.string(), ref: z.string() }),
  base: z.object({ sha: z.string().optional(), ref: z.string() }),
  // When it was opened, merged, closed: the pool's outcome times (docs/SPEC.md section 14.5).
  created_at: z.string().nullable().optional(),
  merged_at: z.string().nullable().optional(),
  closed_at: z.string().nullable().optional(),
});
export type PullDetail = z.infer<typeof pullDetailSchema>;

export const reviewSchema = z.object({
  id: z.number().int(),
  // GitHub's { login } or, read back from the watcher's own file, the login itself.
  user: z
    .union([z.object({ login: z.string() }).transform((user) => user.login), z.string()])
    .nullable()
    .optional()
    .transform((user) => user ?? null),
  state: z.string(),
  author_association: z
    .string()
    .optional()
    .transform((association) => association ?? 'NONE'),
  submitted_at: z
    .string()
    .nullable()
    .optional()
    .transform((at) => at ?? null),
  commit_id: z
    .string()
    .nullable()
    .optional()
    .transform((sha) => sha ?? null),
});
export type Review = z.infer<typeof reviewSchema>;

export const checkRunSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.string(),
  conclusion: z
    .string()
    .nullable()
    .optional()
    .transform((conclusion) => conclusion ?? null),
  details_url: z
    .string()
    .nullable()
    .optional()
    .transform((url) => url ?? null),
  output: z
    .object({ title: nullableText, summary: nullableText })
    .nullable()
    .optional()
    .transform((output) => output ?? { title: '', summary: '' }),
});
export type CheckRun = z.infer<typeof checkRunSchema>;
const checkRunsSchema = z.object({ check_runs: z.array(checkRunSchema) }).transform((list) => list.check_runs);

export const commitStatusSchema = z.object({
  context: z.string(),
  state: z.string(),
  description: nullableText,
  target_url: z
    .string()
    .nullable()
    .optional()
    .transform((url) => url ?? null),
});
export type CommitStatus = z.infer<typeof commitStatusSchema>;
const combinedStatusSchema = z.object({ statuses: z.array(commitStatusSchema) }).transform((combined) => combined.statuses);

/** A resource read with If-None-Match: `data` is undefined when GitHub said 304 (nothing changed). */
export interface Conditional<T> {
  readonly notModified: boolean;
  readonly etag: string | undefined;
  readonly data: T | undefined;
}

async function getConditional<T>(
  context: GhContext,
  path: string,
  what: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  etag: string | undefined,
): Promise<Conditional<T>> {
  const answer = await ghConditional(context, { path, what }, etag);
  return { notModified: answer.notModified, etag: answer.etag, data: answer.notModified ? undefined : parsed(schema, answer.body, what) };
}

/** Check runs as a list: GitHub's `{ check_runs }`, or the list the watcher kept. */
export const checkRunListSchema = z.array(checkRunSchema);

/** The paths the watcher reads for one pull request; the checks' paths follow its head commit. */
export const pullPaths = {
  pull: (repo: string, number: number) => `repos/${repo}/pulls/${number}`,
  reviews: (repo: string, number: number) => `repos/${repo}/pulls/${number}/reviews?per_page=100`,
  checkRuns: (repo: string, sha: string) => `repos/${repo}/commits/${sha}/check-runs?per_page=100`,
  statuses: (repo: string, sha: string) => `repos/${repo}/commits/${sha}/status?per_page=100`,
} as const;

export const getPullDetail = (context: GhContext, repo: string, number: number, etag?: string) =>
  getConditional(context, pullPaths.pull(repo, number), `pull request #${number} in ${repo}`, pullDetailSchema, etag);

export const listReviews = (context: GhContext, repo: string, number: number, etag?: string) =>
  getConditional(context, pullPaths.reviews(repo, number), `reviews of pull request #${number} in ${repo}`, z.array(reviewSchema), etag);

export const listCheckRuns = (context: GhContext, repo: string, sha: string, etag?: string) =>
  getConditional(context, pullPaths.checkRuns(repo, sha), `check runs of ${sha.slice(0, 12)} in ${repo}`, checkRunsSchema, etag);

export const getCombinedStatus = (context: GhContext, repo: string, sha: string, etag?: string) =>
  getConditional(context, pullPaths.statuses(repo, sha), `commit statuses of ${sha.slice(0, 12)} in ${repo}`, combinedStatusSchema, etag);

/** Asks GitHub to run a completed check run again (a flaky test gets one more chance); 403/404 when the token may not. */
export async function rerequestCheckRun(context: GhContext, repo: string, id: number): Promise<void> {
  await ghRequest(context, { path: `repos/${repo}/check-runs/${id}/rerequest`, method: 'POST', what: `a re-run of check run ${id}` });
}

/** A GitHub Actions job's log as text (the job's id is its check run's id). */
export async function getJobLog(context: GhContext, repo: string, id: number): Promise<string> {
  const body = await ghRequest(context, { path: `repos/${repo}/actions/jobs/${id}/logs`, what: `the log of job ${id}` });
  return typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
}
