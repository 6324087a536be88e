import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { GhContext } from '../adapters/github/gh-api.js';
import { getIssue, listComments, type IssueComment } from '../adapters/github/rest-resources.js';

/*
 * The issue text a task's prompt carries: fetched once at claim time and kept in the task state.
 * It is untrusted (anyone who can write an issue wrote it), so it only ever becomes quoted data
 * inside a fenced, bounded block, never part of a command or a path.
 */

export const issueContextSchema = z.object({
  title: z.string(),
  body: z.string(),
  labels: z.array(z.string()),
  comments: z.array(z.object({ author: z.string(), body: z.string() })),
  parent_title: z.string().nullable(),
  parent_body: z.string().nullable(),
  /** Comments by people without write access (and not in TRUSTED_COMMENTERS), left out of the prompt. */
  comments_left_out: z.number().int().nonnegative().default(0),
});
export type IssueContext = z.infer<typeof issueContextSchema>;

/** Bounds of what reaches the prompt (characters). */
export const ISSUE_BOUNDS = { title: 200, body: 8000, comment: 2000, comments: 5, parentBody: 4000, total: 24_000 } as const;

export const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}\n[... cut at ${max} characters]`);

/** Terminal control characters never reach a prompt or a pane; newlines and tabs stay. */
/**
 * Control characters (but tab and line feed) become spaces; bidi controls (U+202A-E, U+2066-9,
 * marks) and line separators go: a title shown reversed or split would read as something else.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export const printable = (text: string) => text.replace(CONTROL, ' ').replace(BIDI, '');

/** One line, for the `{title}` placeholder and a pull request's title. */
export const plainTitle = (title: string) => clip(printable(title).replace(/\s+/g, ' ').trim(), ISSUE_BOUNDS.title);

/** GitHub's author associations of people with write access to the repository. */
const WRITE_ACCESS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/**
 * docs/SPEC.md section 14: a comment reaches the prompt only from someone with write access, or
 * from a login in `trusted` (TRUSTED_COMMENTERS); anyone else could steer the agent by commenting.
 */
export const isTrustedComment = (comment: IssueComment, trusted: readonly string[]) =>
  WRITE_ACCESS.has(comment.author_association ?? '') ||
  (comment.user?.login !== undefined && trusted.some((login) => login.toLowerCase() === comment.user!.login.toLowerCase()));

export async function fetchIssueContext(
  gh: GhContext,
  repo: string,
  subissue: number,
  parent: number,
  trusted: readonly string[] = [],
): Promise<IssueContext> {
  const issue = await getIssue(gh, repo, subissue);
  const all = await listComments(gh, repo, subissue);
  const comments = all.filter((comment) => isTrustedComment(comment, trusted)).slice(-ISSUE_BOUNDS.comments);
  const parentIssue = parent === subissue ? undefined : await getIssue(gh, repo, parent);
  return {
    title: issue.title,
    body: issue.body,
    labels: issue.labels,
    comments: comments.map((comment) => ({ author: comment.user?.login ?? 'unknown', body: comment.body })),
    parent_title: parentIssue?.title ?? null,
    parent_body: parentIssue?.body ?? null,
    comments_left_out: all.filter((comment) => !isTrustedComment(comment, trusted)).length,
  };
}

/**
 * The issue as a fenced block. The fence carries a hash of the text inside, so the text cannot
 * close the block early: it would have to contain its own hash.
 */
export function fencedIssueData(
  context: z.input<typeof issueContextSchema>,
  subissue: string,
  parent: string,
  /** `worker-queue plan` shows a parent: "Issue #50", with the sub-issues it already has. */
  asParent?: { readonly subissues: readonly { readonly number: number; readonly title: string; readonly state: string }[] },
): string {
  const leftOut = context.comments_left_out ?? 0;
  const existing = asParent?.subissues ?? [];
  const parts = [
    `${asParent ? 'Issue' : 'Sub-issue'} #${subissue}: ${plainTitle(context.title)}`,
    context.labels.length > 0 ? `Labels: ${context.labels.map(plainTitle).join(', ')}` : '',
    `Body:\n${clip(printable(context.body), ISSUE_BOUNDS.body)}`,
    ...context.comments.map(
      (comment) => `Comment by ${plainTitle(comment.author)}:\n${clip(printable(comment.body), ISSUE_BOUNDS.comment)}`,
    ),
    leftOut > 0 ? `[${leftOut} comment(s) by people without write access to the repository were left out.]` : '',
    context.parent_title === null ? '' : `Parent issue #${parent}: ${plainTitle(context.parent_title)}`,
    context.parent_body === null ? '' : `Parent body:\n${clip(printable(context.parent_body), ISSUE_BOUNDS.parentBody)}`,
    existing.length === 0
      ? ''
      : `Sub-issues it already has:\n${existing.map((sub) => `- #${sub.number} (${sub.state}): ${plainTitle(sub.title)}`).join('\n')}`,
  ].filter(Boolean);
  const inner = clip(parts.join('\n\n'), ISSUE_BOUNDS.total);
  const tag = createHash('sha256').update(inner).digest('hex').slice(0, 16);
  return [`<<<ISSUE-DATA ${tag}`, inner, `ISSUE-DATA ${tag}>>>`].join('\n');
}
