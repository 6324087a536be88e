import { describe, expect, it } from 'vitest';
import { parseWorktreeList } from '../../src/adapters/git.js';

describe('parseWorktreeList', () => {
  it('reads paths, branches and prunable marks from porcelain output', () => {
    const text = [
      'worktree /repo',
      'HEAD 1111111111111111111111111111111111111111',
      'branch refs/heads/main',
      '',
      'worktree /repo/.worktrees/subissue-5',
      'HEAD 2222222222222222222222222222222222222222',
      'branch refs/heads/subissue/1-5',
      'prunable gitdir file points to non-existent location',
      '',
      'worktree /repo/.worktrees/detached',
      'HEAD 3333333333333333333333333333333333333333',
      'detached',
      '',
    ].join('\n');
    expect(parseWorktreeList(text)).toEqual([
      { path: '/repo', branch: 'main', prunable: false },
      { path: '/repo/.worktrees/subissue-5', branch: 'subissue/1-5', prunable: true },
      { path: '/repo/.worktrees/detached', branch: null, prunable: false },
    ]);
  });

  it('reads nothing from empty output', () => {
    expect(parseWorktreeList('')).toEqual([]);
  });
});
