import { getRepoRoot } from '../adapters/git.js';
import { WorkersError } from '../core/errors.js';

/** The top level of the git repository at `path`; workers make their worktrees under it. */
export async function resolveRepository(path: string): Promise<string> {
  try {
    return await getRepoRoot(path);
  } catch (error) {
    throw new WorkersError(
      'usage',
      `${path} is not inside a git repository; run setup in the repository the workers should work on, or pass --repo.`,
      { cause: error },
    );
  }
}
