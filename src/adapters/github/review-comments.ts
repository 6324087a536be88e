import { z } from 'zod';
import { GithubError, ghList, type GhContext } from './gh-api.js';

/*
 * A pull request's reviews with their text, and its inline review comments (file, line, text): what
 * an address-review follow-up shows the agent (docs/SPEC.md section 14.3).
 */

const author = {
  user: z.object({ login: z.string() }).nullable().optional(),
  /** The author's relation to the repository: OWNER, MEMBER and COLLABORATOR have write access. */
  author_association: z.string().optional(),
};
const text = z
  .string()
  .nullable()
  .optional()
  .transform((body) => body ?? '');

export const reviewTextSchema = z.object({
  id: z.number().int(),
  state: z.string(),
  body: text,
  ...author,
});
export type ReviewText = z.infer<typeof reviewTextSchema>;

export const reviewCommentSchema = z.object({
  id: z.number().int(),
  /** The review it belongs to (a comment made alone still has one). */
  pull_request_review_id: z.number().int().nullable().optional(),
  path: z.string(),
  /** The line in the pull request's current diff; null once the code moved (original_line keeps where it was). */
  line: z.number().int().nullable().optional(),
  original_line: z.number().int().nullable().optional(),
  body: text,
  ...author,
});
export type ReviewComment = z.infer<typeof reviewCommentSchema>;

async function listOf<T>(context: GhContext, path: string, what: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): Promise<T[]> {
  const result = z.array(schema).safeParse(await ghList(context, { path, what }));
  if (!result.success)
    throw new GithubError(
      'refused',
      `GitHub's answer for ${what} is not what its REST API documents (${result.error.issues[0]?.message ?? 'unexpected shape'}).`,
    );
  return result.data;
}

export const listReviewTexts = (context: GhContext, repo: string, number: number) =>
  listOf(context, `repos/${repo}/pulls/${number}/reviews?per_page=100`, `reviews of pull request #${number} in ${repo}`, reviewTextSchema);

export const listReviewComments = (context: GhContext, repo: string, number: number) =>
  listOf(
    context,
    `repos/${repo}/pulls/${number}/comments?per_page=100`,
    `review comments of pull request #${number} in ${repo}`,
    reviewCommentSchema,
  );
