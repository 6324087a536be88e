import { describe, expect, it } from 'vitest';
import { decideAtClaim, retargetsDue, stackBase } from '../../src/github/stacking.js';
import type { PullWatchFile, WatchedPull } from '../../src/github/pull-request-watcher.js';
import { cachedPull, watchedPull } from '../helpers/watched-pull.js';

/* docs/SPEC.md section 8.5: what a claimed task does with its open blockers, and which stacked pull requests move. */

const REPO = 'octo/widgets';
const pull = (number: number, head: string, base = 'main') => ({ number, head, base });

describe('the decision at claim', () => {
  it('starts with no open blocker, and waits on one whatever its pull request when stacking is off', () => {
    expect(decideAtClaim([], REPO, [], false)).toEqual({ kind: 'start' });
    expect(decideAtClaim([{ number: 2 }], REPO, [pull(20, 'subissue/1-2')], false)).toEqual({ kind: 'blocked', blockers: ['2'] });
  });

  it("stacks on the blocker's open pull request of the pool, on its newest branch name too", () => {
    expect(decideAtClaim([{ number: 2 }], REPO, [pull(20, 'subissue/1-2')], true)).toEqual({
      kind: 'stack',
      branch: 'subissue/1-2',
      pr: 20,
      blocker: 2,
    });
    expect(decideAtClaim([{ number: 2, repo: REPO }], REPO, [pull(21, 'subissue/1-2-2')], true)).toMatchObject({
      branch: 'subissue/1-2-2',
    });
  });

  it("waits when a blocker has no pull request of the pool, is in another repository, or two blockers' branches do not chain", () => {
    expect(decideAtClaim([{ number: 2 }], REPO, [pull(20, 'feature/parser')], true)).toEqual({ kind: 'blocked', blockers: ['2'] });
    expect(decideAtClaim([{ number: 2, repo: 'other/lib' }], REPO, [pull(20, 'subissue/1-2')], true)).toEqual({
      kind: 'blocked',
      blockers: ['other/lib#2'],
    });
    expect(decideAtClaim([{ number: 2 }, { number: 4 }], REPO, [pull(20, 'subissue/1-2'), pull(22, 'subissue/1-4')], true)).toEqual({
      kind: 'blocked',
      blockers: ['2', '4'],
    });
  });

  it('stacks on the top of a chain: the branch that already holds every other blocker', () => {
    const pulls = [pull(20, 'subissue/1-2'), pull(22, 'subissue/1-4', 'subissue/1-2')];
    expect(stackBase([2, 4], pulls)).toEqual({ blocker: 4, pull: pulls[1] });
    expect(stackBase([2, 5], pulls)).toBeUndefined();
  });
});

const watched = (task: string, number: number, state: WatchedPull['state'], head: string, base: string): WatchedPull =>
  watchedPull(task, number, {
    pr_url: `https://github.localhost/${REPO}/pull/${number}`,
    state,
    cache: cachedPull(number, { sha: 'a'.repeat(40), ref: head }, base, {
      state: state === 'merged' || state === 'closed' ? 'closed' : 'open',
      merged: state === 'merged',
    }),
  });

describe('the stacked pull requests to retarget', () => {
  it("moves an open pull request based on a merged blocker's branch to that blocker's base, and nothing else", () => {
    const file: PullWatchFile = {
      version: 1,
      pulls: {
        '2': watched('2', 20, 'merged', 'subissue/1-2', 'main'),
        '3': watched('3', 21, 'open', 'subissue/1-3', 'subissue/1-2'),
        '5': watched('5', 23, 'open', 'subissue/1-5', 'subissue/1-4'),
        '4': watched('4', 22, 'open', 'subissue/1-4', 'main'),
      },
    };
    expect(retargetsDue(file)).toEqual([
      { task_id: '3', pr_number: 21, head: 'subissue/1-3', from: 'subissue/1-2', to: 'main', merged_pr: 20 },
    ]);
  });
});
