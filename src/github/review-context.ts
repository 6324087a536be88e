import { createHash } from 'node:crypto';
import type { GhContext } from '../adapters/github/gh-api.js';
import { listReviewComments, listReviewTexts, type ReviewComment, type ReviewText } from '../adapters/github/review-comments.js';
import { clip, isTrustedComment, plainTitle, printable } from './issue-context.js';

/*
 * What an address-review follow-up's agent is shown (docs/SPEC.md section 14.3): the review asking
 * for changes and its inline comments (file, line, text), fenced as data like issue text. Only
 * people with write access (or in TRUSTED_COMMENTERS) are quoted, as for an issue's comments: on a
 * public repository anyone may review, and a review must not steer an agent that can push.
 */

/** Bounds of what reaches the prompt (characters, comments). */
export const REVIEW_BOUNDS = { body: 4000, comment: 2000, comments: 30, total: 24_000 } as const;

export interface ReviewData {
  /** The latest review asking for changes from a trusted person, if any is left. */
  readonly review: ReviewText | undefined;
  readonly comments: readonly ReviewComment[];
  /** Reviews and comments by others, left out. */
  readonly leftOut: number;
}

/**
 * Picks what the agent sees: the latest trusted review asking for changes, and the trusted inline
 * comments of that review and of later ones (earlier rounds were addressed already); without such
 * a review, every trusted inline comment. The newest REVIEW_BOUNDS.comments are kept.
 */
export function selectReviewData(
  reviews: readonly ReviewText[],
  comments: readonly ReviewComment[],
  trusted: readonly string[],
): ReviewData {
  const review = [...reviews]
    .reverse()
    .find((candidate) => candidate.state === 'CHANGES_REQUESTED' && isTrustedComment(candidate, trusted));
  const since = review?.id ?? 0;
  const current = comments.filter((comment) => (comment.pull_request_review_id ?? since) >= since);
  const kept = current.filter((comment) => isTrustedComment(comment, trusted));
  const leftOut =
    current.length - kept.length + reviews.filter((candidate) => candidate.body !== '' && !isTrustedComment(candidate, trusted)).length;
  return { review, comments: kept.slice(-REVIEW_BOUNDS.comments), leftOut };
}

const login = (item: { readonly user?: { readonly login: string } | null }) => plainTitle(item.user?.login ?? 'unknown');

/** The review as a fenced block whose markers carry a hash of the text inside (it cannot close the block early). */
export function fencedReview(data: ReviewData): string {
  const parts = [
    data.review
      ? `Review by ${login(data.review)} (changes requested):\n${clip(printable(data.review.body), REVIEW_BOUNDS.body) || '(no text)'}`
      : '',
    ...data.comments.map((comment) => {
      const line = comment.line ?? comment.original_line;
      const where = `${plainTitle(comment.path)}${line === null || line === undefined ? '' : ` line ${line}`}`;
      return `Comment by ${login(comment)} on ${where}:\n${clip(printable(comment.body), REVIEW_BOUNDS.comment)}`;
    }),
    data.leftOut > 0 ? `[${data.leftOut} review(s) or comment(s) by people without write access to the repository were left out.]` : '',
  ].filter(Boolean);
  const inner = clip(parts.join('\n\n') || 'No review text or inline comments from people with write access.', REVIEW_BOUNDS.total);
  const tag = createHash('sha256').update(inner).digest('hex').slice(0, 16);
  return [`<<<REVIEW-DATA ${tag}`, inner, `REVIEW-DATA ${tag}>>>`].join('\n');
}

/** The pull request's review data, read when the follow-up's attempt starts. */
export async function fetchReviewData(gh: GhContext, repo: string, pull: number, trusted: readonly string[]): Promise<string> {
  const [reviews, comments] = await Promise.all([listReviewTexts(gh, repo, pull), listReviewComments(gh, repo, pull)]);
  return fencedReview(selectReviewData(reviews, comments, trusted));
}
