import { spawnSync } from 'node:child_process';

/*
 * The scripted GitHub's pull requests as the test's bare origin repository has them: the head
 * commit, and mergeability computed with `git merge-tree` as GitHub computes it (clean, dirty
 * on a conflict, behind when branch protection wants branches up to date and the base moved on).
 */

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Scripted GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.localhost',
  GIT_COMMITTER_NAME: 'Scripted GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.localhost',
};

function git(origin: string, args: readonly string[]): { code: number; out: string } {
  const result = spawnSync('git', args, { cwd: origin, encoding: 'utf8', env: { ...process.env, ...IDENTITY } });
  return { code: result.status ?? -1, out: result.stdout.trim() };
}

const tip = (origin: string, branch: string) => {
  const found = git(origin, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return found.code === 0 ? found.out : undefined;
};

export interface OriginView {
  readonly sha: string;
  readonly mergeable: boolean;
  readonly mergeable_state: 'clean' | 'dirty' | 'behind';
}

/** The pull request of `head` into `base` as origin has them; undefined when either branch is missing. */
export function originView(origin: string, base: string, head: string, requireUpToDate: boolean): OriginView | undefined {
  const [baseSha, headSha] = [tip(origin, base), tip(origin, head)];
  if (baseSha === undefined || headSha === undefined) return undefined;
  if (git(origin, ['merge-tree', '--write-tree', baseSha, headSha]).code !== 0)
    return { sha: headSha, mergeable: false, mergeable_state: 'dirty' };
  const upToDate = git(origin, ['merge-base', '--is-ancestor', baseSha, headSha]).code === 0;
  return { sha: headSha, mergeable: true, mergeable_state: requireUpToDate && !upToDate ? 'behind' : 'clean' };
}

/** Merges `head` into `base` in origin as GitHub's merge button does (a merge commit); false on a conflict. */
export function mergeInOrigin(origin: string, base: string, head: string, message: string): boolean {
  const [baseSha, headSha] = [tip(origin, base), tip(origin, head)];
  if (baseSha === undefined || headSha === undefined) return false;
  const tree = git(origin, ['merge-tree', '--write-tree', baseSha, headSha]);
  if (tree.code !== 0) return false;
  const commit = git(origin, ['commit-tree', tree.out.split('\n')[0]!, '-p', baseSha, '-p', headSha, '-m', message]);
  return commit.code === 0 && git(origin, ['update-ref', `refs/heads/${base}`, commit.out, baseSha]).code === 0;
}
