import { describe, expect, it } from 'vitest';
import { countPulls, pollDelayMs, pullVerdict, type PullSnapshot } from '../../src/github/pull-request-watch.js';
import type { Review } from '../../src/adapters/github/rest-resources.js';
import { pullData } from '../helpers/watched-pull.js';

const pull: PullSnapshot['pull'] = pullData(7, { sha: 'a'.repeat(40), ref: 'subissue/1-2' }, 'main', {
  html_url: 'https://github.com/o/r/pull/7',
});
const passing = [{ id: 1, name: 'ci', status: 'completed', conclusion: 'success', details_url: null, output: { title: '', summary: '' } }];
const review = (user: string, state: string, author_association = 'COLLABORATOR'): Review => ({
  id: 1,
  user,
  state,
  author_association,
  submitted_at: null,
  commit_id: null,
});
const verdict = (change: Partial<PullSnapshot>) => pullVerdict({ pull, reviews: [], checkRuns: passing, statuses: [], ...change });

describe('the state of a pull request', () => {
  it('is ready only with a writer’s approval, green checks, a clean merge and no draft', () => {
    const approved = [review('ann', 'APPROVED')];
    expect(verdict({ reviews: approved }).state).toBe('ready');
    expect(verdict({ reviews: [review('bob', 'APPROVED', 'CONTRIBUTOR')] }).state).toBe('open');
    expect(verdict({ reviews: approved, pull: { ...pull, draft: true } }).state).toBe('approved');
    expect(verdict({ reviews: approved, pull: { ...pull, mergeable: null } }).state).toBe('approved');
    expect(verdict({ reviews: approved, pull: { ...pull, mergeable: false, mergeable_state: 'dirty' } }).state).toBe('conflicting');
    expect(verdict({ reviews: approved, statuses: [{ context: 'lint', state: 'pending', description: '', target_url: null }] })).toEqual(
      expect.objectContaining({ state: 'approved', checks: 'pending' }),
    );
  });

  it('asks for changes until that writer approves or is dismissed; a comment decides nothing', () => {
    expect(verdict({ reviews: [review('ann', 'APPROVED'), review('cat', 'CHANGES_REQUESTED', 'MEMBER')] }).state).toBe('changes_requested');
    expect(verdict({ reviews: [review('cat', 'CHANGES_REQUESTED'), review('cat', 'COMMENTED'), review('cat', 'APPROVED')] }).state).toBe(
      'ready',
    );
    expect(verdict({ reviews: [review('cat', 'CHANGES_REQUESTED'), review('cat', 'DISMISSED')] }).state).toBe('open');
  });

  it('counts the newest status per context, and names each failing check', () => {
    const statuses = [
      { context: 'build', state: 'success', description: 'fixed', target_url: null },
      { context: 'build', state: 'failure', description: 'broken', target_url: null },
    ];
    expect(verdict({ statuses }).checks).toBe('passing');
    const failed = verdict({
      checkRuns: [{ ...passing[0]!, id: 9, conclusion: 'timed_out', output: { title: 'slow', summary: 'over 6 h' } }],
    });
    expect(failed).toEqual(
      expect.objectContaining({
        checks: 'failing',
        failing: [expect.objectContaining({ name: 'ci', check_run_id: 9, summary: 'slow: over 6 h' })],
      }),
    );
    expect(verdict({ checkRuns: [] }).checks).toBe('none');
  });

  it('is merged or closed whatever else it says', () => {
    expect(verdict({ pull: { ...pull, state: 'closed', merged: true, mergeable: null } }).state).toBe('merged');
    expect(verdict({ pull: { ...pull, state: 'closed' } }).state).toBe('closed');
  });
});

describe('when the watcher looks again', () => {
  const hour = 3_600_000;
  it('at the interval after a change in the last hour, twice as often while checks run, backing off when quiet', () => {
    const now = 10 * hour;
    expect(pollDelayMs({ state: 'open', checks: 'passing' }, now - 59 * 60_000, now, 30_000)).toBe(30_000);
    expect(pollDelayMs({ state: 'open', checks: 'pending' }, now - 5 * hour, now, 30_000)).toBe(15_000);
    expect(pollDelayMs({ state: 'open', checks: 'passing' }, now - 2 * hour, now, 30_000)).toBe(120_000);
    expect(pollDelayMs({ state: 'open', checks: 'passing' }, now - 9 * hour, now, 30_000)).toBe(600_000);
  });
});

describe('the counts of a parent', () => {
  it('put failing checks first, then the state', () => {
    expect(
      countPulls([
        { state: 'ready', checks: 'passing' },
        { state: 'approved', checks: 'failing' },
        { state: 'open', checks: 'pending' },
        { state: 'changes_requested', checks: 'passing' },
        { state: 'merged', checks: 'passing' },
      ]),
    ).toEqual({ ready: 1, waiting_review: 1, changes_requested: 1, failing: 1, conflicting: 0, merged: 1, closed: 0 });
  });
});
