import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ensureTaskWorktree, removeTaskWorktree, taskPlace } from '../../src/worker/worktree.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';

/** A repository that commits `.worktrees` as a link to a victim directory holding a task-named directory. */
function repoWithWorktreesLink(): { repo: string; victimFile: string } {
  const repo = makeGitRepo();
  const victim = makeTempDir('hw-victim-');
  mkdirSync(join(victim, 'subissue-200'));
  const victimFile = join(victim, 'subissue-200', 'precious.txt');
  writeFileSync(victimFile, 'keep me\n');
  symlinkSync(victim, join(repo, '.worktrees'));
  git(repo, 'add', '.worktrees');
  git(repo, 'commit', '-q', '-m', 'commit .worktrees as a link');
  return { repo, victimFile };
}

describeWith(['git'], 'task worktrees (real git)', () => {
  it('creates the worktree on a new branch from the base, outside the user checkout', async () => {
    const repo = makeGitRepo();
    const head = git(repo, 'rev-parse', 'HEAD');
    const place = taskPlace(repo, '12', '3');
    expect(place).toEqual({ worktree: join(repo, '.worktrees', 'subissue-12'), branch: 'subissue/3-12' });
    await expect(ensureTaskWorktree(repo, place, 'main')).resolves.toEqual({ reused: false, fromBase: true });
    expect(git(place.worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('subissue/3-12');
    expect(readFileSync(join(place.worktree, 'README.md'), 'utf8')).toBe('# test repository\n');
    expect(git(place.worktree, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    await expect(ensureTaskWorktree(repo, place, 'main')).resolves.toEqual({ reused: true, fromBase: false });
    await removeTaskWorktree(repo, place.worktree);
    expect(existsSync(place.worktree)).toBe(false);
    expect(git(repo, 'branch', '--list', 'subissue/3-12')).toContain('subissue/3-12');
  });

  it('repairs a leftover directory and reuses an existing branch with its commits', async () => {
    const repo = makeGitRepo();
    const place = taskPlace(repo, '5', '1');
    git(repo, 'branch', place.branch);
    git(repo, 'worktree', 'add', join(repo, 'elsewhere'), place.branch);
    writeFileSync(join(repo, 'elsewhere', 'earlier.txt'), 'earlier attempt\n');
    git(join(repo, 'elsewhere'), 'add', 'earlier.txt');
    git(join(repo, 'elsewhere'), 'commit', '-q', '-m', 'earlier attempt');
    const earlier = git(repo, 'rev-parse', place.branch);
    git(repo, 'worktree', 'remove', join(repo, 'elsewhere'));
    mkdirSync(place.worktree, { recursive: true });
    writeFileSync(join(place.worktree, 'junk.txt'), 'left behind\n');

    // Not from the base: the branch's earlier commits are counted, not assumed to be none.
    await expect(ensureTaskWorktree(repo, place, 'main')).resolves.toEqual({ reused: false, fromBase: false });
    expect(git(place.worktree, 'rev-parse', 'HEAD')).toBe(earlier);
    expect(existsSync(join(place.worktree, 'junk.txt'))).toBe(false);
    expect(existsSync(join(place.worktree, 'earlier.txt'))).toBe(true);
  });

  it('makes again a worktree whose checkout a killed worker cut short, instead of running the agent in part of the files', async () => {
    const repo = makeGitRepo();
    writeFileSync(join(repo, 'second.txt'), 'second\n');
    git(repo, 'add', 'second.txt');
    git(repo, 'commit', '-q', '-m', 'a second file');
    const place = taskPlace(repo, '9', '2');
    await ensureTaskWorktree(repo, place, 'main');
    // What a SIGKILL in the middle of `git worktree add` leaves (seen with a 3,000-file repository):
    // the worktree locked as "initializing", an index.lock and no index, only some of the files.
    const admin = join(repo, '.git', 'worktrees', 'subissue-9');
    rmSync(join(admin, 'index'));
    writeFileSync(join(admin, 'index.lock'), '');
    writeFileSync(join(admin, 'locked'), 'initializing');
    rmSync(join(place.worktree, 'second.txt'));
    await expect(ensureTaskWorktree(repo, place, 'main')).resolves.toEqual({ reused: false, fromBase: false });
    expect(readFileSync(join(place.worktree, 'second.txt'), 'utf8')).toBe('second\n');
    expect(git(place.worktree, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain('locked');
  });

  it('prunes a registered worktree whose directory is gone', async () => {
    const repo = makeGitRepo();
    const place = taskPlace(repo, '8', '2');
    await ensureTaskWorktree(repo, place, 'main');
    rmSync(place.worktree, { recursive: true, force: true });
    expect(git(repo, 'worktree', 'list', '--porcelain')).toContain('prunable');
    await expect(ensureTaskWorktree(repo, place, 'main')).resolves.toEqual({ reused: false, fromBase: false });
    expect(git(place.worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('subissue/2-8');
  });

  it('refuses a committed .worktrees link and removes nothing behind it', async () => {
    const { repo, victimFile } = repoWithWorktreesLink();
    const place = taskPlace(repo, '200', '1');
    await expect(ensureTaskWorktree(repo, place, 'main')).rejects.toThrow(/\.worktrees is a symbolic link/);
    await expect(removeTaskWorktree(repo, place.worktree)).rejects.toThrow(/\.worktrees is a symbolic link/);
    expect(readFileSync(victimFile, 'utf8')).toBe('keep me\n');
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain('subissue-200');
  });

  it('refuses ids that are not digits before touching git', () => {
    expect(() => taskPlace('/repo', '1;rm -rf /', '2')).toThrow(/digits/);
    expect(() => taskPlace('/repo', '1', '../x')).toThrow(/digits/);
  });
});
