import { createHash } from 'node:crypto';
import { fetchOriginBranches, getCommitsTouching, getMergeBase, getMergeConflicts } from '../adapters/git.js';

/*
 * What a resolve-conflict follow-up's agent is shown (docs/SPEC.md section 14.6): the paths that
 * conflict between the branch and its moved base, and the commits that touched them on each side
 * since they parted, computed from the local git (merge-tree: no worktree is touched).
 */

export interface ConflictSummary {
  readonly base: string;
  readonly branch: string;
  readonly paths: readonly string[];
  /** `<short sha> <subject>` of the base's commits since the merge-base that touched the paths. */
  readonly baseCommits: readonly string[];
  /** The same on the branch. */
  readonly branchCommits: readonly string[];
}

const list = (lines: readonly string[]) => (lines.length === 0 ? ['  (none found)'] : lines.map((line) => `  ${line}`));

/**
 * The summary as the prompt's data: what to run first, then the paths and both sides' commits
 * between CONFLICT-DATA markers (commit subjects are other people's text: data, not instructions).
 */
export function conflictText(summary: ConflictSummary): string {
  const { base, branch } = summary;
  if (summary.paths.length === 0)
    return `Branch ${branch} merges cleanly with origin/${base} now: bring origin/${base} into it (git merge origin/${base}) and commit if anything is left to do.`;
  const inner = [
    `Conflicted paths (${summary.paths.length}):`,
    ...summary.paths.map((path) => `  ${path}`),
    `Commits on ${base} that touched them since the branch left it:`,
    ...list(summary.baseCommits),
    `Commits on ${branch} that touched them:`,
    ...list(summary.branchCommits),
  ].join('\n');
  const tag = createHash('sha256').update(inner).digest('hex').slice(0, 16);
  return [
    `Branch ${branch} conflicts with origin/${base} (fetched for you). Run \`git merge origin/${base}\`, resolve every conflict keeping what both sides meant, and commit the merge.`,
    '',
    `<<<CONFLICT-DATA ${tag}`,
    inner,
    `CONFLICT-DATA ${tag}>>>`,
  ].join('\n');
}

/** One line for the log or a notice: the paths, at most `max` named. */
export function conflictLine(paths: readonly string[], max = 5): string {
  const named = paths.slice(0, max).join(', ');
  return paths.length > max ? `${named} and ${paths.length - max} more` : named;
}

/** Fetches the base and the branch from origin and says how they conflict. */
export async function readConflictSummary(repo: string, base: string, branch: string): Promise<ConflictSummary> {
  await fetchOriginBranches(repo, [base, branch]);
  const baseRef = `refs/remotes/origin/${base}`;
  const headRef = `refs/remotes/origin/${branch}`;
  const paths = await getMergeConflicts(repo, baseRef, headRef);
  const parted = await getMergeBase(repo, baseRef, headRef);
  const [baseCommits, branchCommits] = await Promise.all([
    getCommitsTouching(repo, parted, baseRef, paths),
    getCommitsTouching(repo, parted, headRef, paths),
  ]);
  return { base, branch, paths, baseCommits, branchCommits };
}
