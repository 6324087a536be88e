import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { rebaseStackedBranch } from '../../src/adapters/git-stack-rebase.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';

/* docs/SPEC.md section 8.5: a stacked branch after its blocker merged, with real repositories and a bare origin. */

function commitFile(repo: string, file: string, content: string, message: string): void {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', file);
  git(repo, 'commit', '-q', '-m', message);
}

/** main, the blocker's branch (a.txt) and one branch stacked on it; then main squash-merges the blocker and adds c.txt. */
function stackedRepository(stackedFile: string) {
  const repo = makeGitRepo();
  const origin = makeTempDir('hw-origin-');
  execFileSync('git', ['init', '-q', '--bare', origin]);
  git(repo, 'remote', 'add', 'origin', origin);
  git(repo, 'checkout', '-q', '-b', 'subissue/1-2');
  commitFile(repo, 'a.txt', 'parser\n', 'The parser');
  git(repo, 'checkout', '-q', '-b', 'subissue/1-3');
  commitFile(repo, stackedFile, 'uses the parser\n', 'Uses the parser');
  git(repo, 'checkout', '-q', 'main');
  git(repo, 'push', '-q', 'origin', 'main', 'subissue/1-2', 'subissue/1-3');
  const pushed = git(repo, 'rev-parse', 'subissue/1-3');
  // A squash merge: the blocker's work lands on main under another hash; then other work.
  commitFile(repo, 'a.txt', 'parser\n', 'The parser (#2)');
  commitFile(repo, 'c.txt', 'main\n', 'Other work');
  git(repo, 'push', '-q', 'origin', 'main');
  return { repo, origin, pushed };
}

describeWith(['git'], 'rebasing a stacked branch onto the base its blocker merged into', () => {
  it("replays only the branch's own commits onto main, pushes them with a lease, and moves the local branch along", async () => {
    const { repo, origin, pushed } = stackedRepository('b.txt');
    const result = await rebaseStackedBranch(repo, 'subissue/1-3', 'main', 'subissue/1-2');
    expect(result.kind).toBe('rebased');
    git(origin, 'merge-base', '--is-ancestor', 'main', 'subissue/1-3');
    expect(git(origin, 'log', '--format=%s', 'main..subissue/1-3')).toBe('Uses the parser');
    expect(git(repo, 'rev-parse', 'subissue/1-3')).toBe(git(origin, 'rev-parse', 'subissue/1-3'));
    expect(git(repo, 'rev-parse', 'subissue/1-3')).not.toBe(pushed);
    expect(git(repo, 'worktree', 'list')).not.toContain('hw-stack-rebase');
  });

  it('a conflict is aborted and named, and nothing is pushed', async () => {
    const { repo, origin, pushed } = stackedRepository('c.txt');
    expect(await rebaseStackedBranch(repo, 'subissue/1-3', 'main', 'subissue/1-2')).toEqual({ kind: 'conflict', files: ['c.txt'] });
    expect(git(origin, 'rev-parse', 'subissue/1-3')).toBe(pushed);
    expect(git(repo, 'rev-parse', 'subissue/1-3')).toBe(pushed);
  });
});
