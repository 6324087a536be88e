import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { getCommitsOnNoBranch, getGitCommonDir, getHeadCommit, getWorktreeLeftovers, getWorktreeStatus } from '../../src/adapters/git.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';

describeWith(['git'], 'what a finished worktree still holds, in one git process', () => {
  it('says clean on a branch, dirty with an untracked file, and detached only off a branch', async () => {
    const repo = makeGitRepo();
    expect(await getWorktreeLeftovers(repo)).toEqual({ dirty: false, detached: false });
    writeFileSync(join(repo, 'notes.txt'), 'not committed\n');
    expect(await getWorktreeLeftovers(repo)).toEqual({ dirty: true, detached: false });
    git(repo, 'add', 'notes.txt');
    git(repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'notes');
    git(repo, 'checkout', '-q', '--detach');
    expect(await getWorktreeLeftovers(repo)).toEqual({ dirty: false, detached: true });
    // Detached at a branch's commit: nothing on no branch; a commit made there is.
    expect(await getCommitsOnNoBranch(repo)).toBe(0);
    git(repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'stray');
    expect(await getCommitsOnNoBranch(repo)).toBe(1);
  });

  it("answers the repository's shared .git directory from a worktree, once asked", async () => {
    const repo = makeGitRepo();
    const commonDir = await getGitCommonDir(repo);
    expect(commonDir).toBe(join(repo, '.git'));
    expect(await getGitCommonDir(repo)).toBe(commonDir);
  });

  it('gives HEAD and the changed paths (modified, renamed, untracked, names with spaces) from one git status', async () => {
    const repo = makeGitRepo();
    const commit = (message: string) => git(repo, '-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', message);
    writeFileSync(join(repo, 'old name.txt'), 'one\n');
    writeFileSync(join(repo, 'kept.txt'), 'one\n');
    git(repo, 'add', '.');
    commit('files');
    expect(await getWorktreeStatus(repo)).toEqual({ head: await getHeadCommit(repo), detached: false, paths: [] });
    git(repo, 'mv', 'old name.txt', 'new name.txt');
    writeFileSync(join(repo, 'kept.txt'), 'two\n');
    mkdirSync(join(repo, 'dir'));
    writeFileSync(join(repo, 'dir', 'fresh file.txt'), 'new\n');
    const status = await getWorktreeStatus(repo);
    expect(status.head).toMatch(/^[0-9a-f]{40}$/);
    expect(status.paths.sort()).toEqual(['dir/fresh file.txt', 'kept.txt', 'new name.txt']);
  });
});
