import { describe, expect, it } from 'vitest';
import { baseCheckKey, decideBaseAction, pullsToCheck } from '../../src/github/base-updates.js';
import { conflictLine, conflictText } from '../../src/github/conflict-summary.js';
import type { WatchedPull } from '../../src/github/pull-request-watcher.js';
import { findOverlaps, overlapLine } from '../../src/github/sibling-overlaps.js';
import { cachedPull, watchedPull } from '../helpers/watched-pull.js';

const BASE = 'a'.repeat(40);
const HEAD = 'c'.repeat(40);

function watched(task: string, fields: Partial<WatchedPull> = {}, mergeableState = 'clean'): WatchedPull {
  const number = Number(task) + 10;
  return watchedPull(task, number, {
    checks: 'passing',
    head_sha: HEAD,
    next_poll_at: '2030-01-01T00:00:30Z',
    cache: cachedPull(number, { sha: HEAD, ref: `subissue/1-${task}` }, 'main', { mergeable_state: mergeableState }),
    ...fields,
  });
}

describe('what a pull request needs when its base moves', () => {
  it('a conflict is resolve-conflict; behind with no conflict is an update; anything else, or already up to date, is left alone', () => {
    expect(decideBaseAction({ upToDate: false, conflicts: ['a.ts'], mergeableState: 'dirty' })).toBe('resolve-conflict');
    expect(decideBaseAction({ upToDate: false, conflicts: ['a.ts'], mergeableState: 'behind' })).toBe('resolve-conflict');
    expect(decideBaseAction({ upToDate: false, conflicts: [], mergeableState: 'behind' })).toBe('update');
    // Behind the base but nothing asks for it up to date: a rebase would only re-run CI and dismiss approvals.
    expect(decideBaseAction({ upToDate: false, conflicts: [], mergeableState: 'clean' })).toBe('none');
    expect(decideBaseAction({ upToDate: false, conflicts: [], mergeableState: 'unknown' })).toBe('none');
    expect(decideBaseAction({ upToDate: true, conflicts: [], mergeableState: 'behind' })).toBe('none');
  });

  it('a pull request is checked again only when its base, head or GitHub verdict changed since its last check; never once merged or closed', () => {
    const heads = new Map([['main', BASE]]);
    const fresh = watched('2');
    const checked = watched('3', { base_check: baseCheckKey(BASE, watched('3')) });
    const nowBehind = watched('4', { base_check: baseCheckKey(BASE, watched('4')) }, 'behind');
    const merged = watched('5', { state: 'merged' });
    const unseen = watched('6', { head_sha: null });
    expect(pullsToCheck([fresh, checked, nowBehind, merged, unseen], heads).map((pull) => pull.task_id)).toEqual(['2', '4']);
    expect(pullsToCheck([checked], new Map([['main', 'd'.repeat(40)]])).map((pull) => pull.task_id)).toEqual(['3']);
    expect(pullsToCheck([fresh], new Map())).toEqual([]);
  });
});

describe('the conflict summary a resolve-conflict follow-up is given', () => {
  it('names what to run, the conflicted paths and the commits of each side that touched them, fenced as data', () => {
    const text = conflictText({
      base: 'main',
      branch: 'subissue/1-3',
      paths: ['src/a.ts', 'README.md'],
      baseCommits: ['1234567 Rename add to sum (#12)'],
      branchCommits: [],
    });
    expect(text).toContain('Branch subissue/1-3 conflicts with origin/main (fetched for you). Run `git merge origin/main`');
    expect(text).toMatch(/<<<CONFLICT-DATA [0-9a-f]{16}\nConflicted paths \(2\):\n {2}src\/a\.ts\n {2}README\.md\n/);
    expect(text).toContain('Commits on main that touched them since the branch left it:\n  1234567 Rename add to sum (#12)\n');
    expect(text).toContain('Commits on subissue/1-3 that touched them:\n  (none found)\nCONFLICT-DATA ');
    expect(conflictText({ base: 'main', branch: 'b', paths: [], baseCommits: [], branchCommits: [] })).toMatch(/merges cleanly/);
  });

  it('a log line names at most five paths and counts the rest', () => {
    expect(conflictLine(['a'])).toBe('a');
    expect(conflictLine(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});

describe('sibling pull requests that change the same files', () => {
  it('pairs every two pull requests sharing a path, lowest numbers first, and says so in one line', () => {
    const overlaps = findOverlaps([
      { task_id: '3', parent: '1', pr_number: 13, files: ['src/a.ts', 'src/b.ts'] },
      { task_id: '2', parent: '1', pr_number: 12, files: ['src/b.ts', 'src/a.ts', 'docs/x.md'] },
      { task_id: '4', parent: '9', pr_number: 14, files: ['docs/x.md'] },
      { task_id: '5', parent: '1', pr_number: 15, files: ['other.ts'] },
    ]);
    expect(overlaps).toEqual([
      { prs: [12, 13], subissues: ['2', '3'], same_parent: true, paths: ['src/a.ts', 'src/b.ts'] },
      { prs: [12, 14], subissues: ['2', '4'], same_parent: false, paths: ['docs/x.md'] },
    ]);
    expect(overlapLine(overlaps[0]!)).toBe(
      'Overlap: pull requests #12 (sub-issue #2) and #13 (sub-issue #3) both change src/a.ts, src/b.ts: whichever merges first may make the other conflict.',
    );
  });
});
