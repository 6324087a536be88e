import { z } from 'zod';
import { GithubError, ghRequest, type GhContext } from './gh-api.js';

/** How AUTO_MERGE merges a pull request: GitHub's merge_method. */
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

const mergedSchema = z.object({ sha: z.string().optional(), merged: z.boolean().optional(), message: z.string().optional() });

/** What GitHub answers when it will not merge (branch protection, not mergeable, head moved); a 5xx is tried again. */
const REFUSALS = new Set([403, 405, 409, 422]);

export type MergeOutcome = { readonly merged: true; readonly sha: string | null } | { readonly merged: false; readonly reason: string };

/**
 * Merges pull request `number` (PUT pulls/{n}/merge) only if its head is still `sha`, the commit
 * that was judged ready: a newer push is refused by GitHub (409), never merged unseen. A refusal
 * (405 not mergeable, 409 head moved, 422, 403 branch protection) is an outcome, not an error:
 * the caller tells the person once; anything else (rate limit, network) throws.
 */
export async function mergePull(
  context: GhContext,
  repo: string,
  pull: { readonly number: number; readonly sha: string; readonly method: MergeMethod },
): Promise<MergeOutcome> {
  try {
    const body = mergedSchema.parse(
      await ghRequest(context, {
        path: `repos/${repo}/pulls/${pull.number}/merge`,
        method: 'PUT',
        body: { merge_method: pull.method, sha: pull.sha },
        what: `pull request #${pull.number} in ${repo}`,
      }),
    );
    return { merged: true, sha: body.sha ?? null };
  } catch (error) {
    if (error instanceof GithubError && error.failure !== 'rate-limit' && REFUSALS.has(error.status ?? 0)) {
      return { merged: false, reason: error.message };
    }
    throw error;
  }
}
