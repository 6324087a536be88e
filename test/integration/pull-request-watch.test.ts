import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTaskHistory } from '../../src/history/task-history-store.js';
import { ghPullReader, openPullWatchStore, watchRound, type FollowUpHands } from '../../src/github/pull-request-watcher.js';
import { makeGithubBench, type GithubBench } from '../helpers/github-api/gh-env.js';
import { writePullHistory } from '../helpers/github-api/pull-history.js';
import { makeTempDir } from '../helpers/temp.js';

/*
 * The pull-request watcher with the real gh against the scripted GitHub: the state it keeps per
 * task follows checks and reviews, and a look at an unchanged pull request is four 304s.
 */

/** A data root whose task history says each task (of parent 1) ended in its pull request. */
function dataRootWith(bench: GithubBench, tasks: readonly { task: string; pr: number }[]) {
  const root = makeTempDir('hw-prwatch-');
  const historyFile = join(root, 'history', 'tasks.jsonl');
  writePullHistory(historyFile, bench.api, tasks);
  return { root, history: new FileTaskHistory(historyFile) };
}

/** One round of the watcher at `at`, every pull request due. */
function watcherOf(bench: GithubBench, root: string, history: FileTaskHistory, followUps?: FollowUpHands) {
  const store = openPullWatchStore({ root });
  let at = Date.parse('2030-01-01T00:02:00Z');
  const round = async () => {
    at += 3_600_000;
    await watchRound({
      repo: 'octo/widgets',
      reader: ghPullReader(bench.gh, 'octo/widgets'),
      store,
      history,
      now: () => new Date(at),
      intervalMs: 30_000,
      ...(followUps ? { followUps } : {}),
    });
    return (await store.read()).pulls;
  };
  return round;
}

describe('the pull-request watcher', () => {
  it('shows a failing check as failing, then ready once it passes and a collaborator approves', { timeout: 60_000 }, async () => {
    const bench = await makeGithubBench();
    const pull = bench.api.openPull({ head: 'subissue/1-2' });
    const check = bench.api.addCheckRun(pull.number, {
      name: 'test',
      conclusion: 'failure',
      title: '1 test failed',
      summary: 'expected 2, got 3',
    });
    const { root, history } = dataRootWith(bench, [{ task: '2', pr: pull.number }]);
    const round = watcherOf(bench, root, history);

    expect((await round())['2']).toEqual(
      expect.objectContaining({
        state: 'open',
        checks: 'failing',
        failing: [expect.objectContaining({ name: 'test', conclusion: 'failure', summary: '1 test failed: expected 2, got 3' })],
      }),
    );
    bench.api.changeCheckRun(check, { conclusion: 'success' });
    bench.api.addReview(pull.number, { login: 'maintainer', state: 'APPROVED', association: 'COLLABORATOR' });
    expect((await round())['2']).toEqual(expect.objectContaining({ state: 'ready', checks: 'passing', approved_by: ['maintainer'] }));
  });

  it('is not made ready by the approval of someone without write access', { timeout: 60_000 }, async () => {
    const bench = await makeGithubBench();
    const pull = bench.api.openPull({ head: 'subissue/1-2' });
    bench.api.addCheckRun(pull.number, { name: 'test' });
    bench.api.addReview(pull.number, { login: 'passer-by', state: 'APPROVED', association: 'CONTRIBUTOR' });
    const { root, history } = dataRootWith(bench, [{ task: '2', pr: pull.number }]);
    const round = watcherOf(bench, root, history);
    expect((await round())['2']).toEqual(expect.objectContaining({ state: 'open', checks: 'passing', approved_by: [] }));
    // A collaborator asking for changes outweighs a later outsider's approval.
    bench.api.addReview(pull.number, { login: 'maintainer', state: 'CHANGES_REQUESTED', association: 'MEMBER' });
    bench.api.addReview(pull.number, { login: 'passer-by', state: 'APPROVED', association: 'NONE' });
    expect((await round())['2']).toEqual(expect.objectContaining({ state: 'changes_requested' }));
  });

  it('looks again with If-None-Match and gets 304s when nothing changed, and stops at merged or closed', { timeout: 60_000 }, async () => {
    const bench = await makeGithubBench();
    const merging = bench.api.openPull({ head: 'subissue/1-2' });
    const closing = bench.api.openPull({ head: 'subissue/1-3' });
    bench.api.addStatus(merging.number, { context: 'ci/build', state: 'success' });
    const { root, history } = dataRootWith(bench, [
      { task: '2', pr: merging.number },
      { task: '3', pr: closing.number },
    ]);
    const round = watcherOf(bench, root, history);
    await round();
    const firstLook = bench.api.requests.length;
    const usedAfterFirst = bench.api.rateLimitUsed();
    expect(firstLook).toBe(8);

    await round();
    const second = bench.api.requests.slice(firstLook);
    expect(second).toHaveLength(8);
    expect(second.every((request) => request.status === 304 && request.ifNoneMatch?.startsWith('W/"'))).toBe(true);
    expect(bench.api.rateLimitUsed()).toBe(usedAfterFirst);

    bench.api.changePull(merging.number, { state: 'closed', merged: true });
    bench.api.changePull(closing.number, { state: 'closed' });
    const pulls = await round();
    expect([pulls['2']?.state, pulls['3']?.state]).toEqual(['merged', 'closed']);
    const before = bench.api.requests.length;
    await round();
    expect(bench.api.requests.length).toBe(before);
  });

  it('keeps when GitHub says the pull request was opened and merged (docs/SPEC.md section 14.5)', { timeout: 60_000 }, async () => {
    const bench = await makeGithubBench();
    const pull = bench.api.openPull({ head: 'subissue/1-2' });
    const { root, history } = dataRootWith(bench, [{ task: '2', pr: pull.number }]);
    const round = watcherOf(bench, root, history);
    const open = (await round())['2']!;
    expect(open).toMatchObject({ state: 'open', merged_at: null, closed_at: null });
    expect(Number.isNaN(Date.parse(open.opened_at!))).toBe(false);
    bench.api.closePull(pull.number, { merged: true });
    const merged = (await round())['2']!;
    expect(merged).toMatchObject({ state: 'merged', opened_at: open.opened_at });
    expect(Date.parse(merged.merged_at!)).toBeGreaterThanOrEqual(Date.parse(open.opened_at!));
  });

  it(
    'a failing check the token may not re-run queues its fix-ci follow-up at the same look, not a look later',
    { timeout: 60_000 },
    async () => {
      const bench = await makeGithubBench();
      const pull = bench.api.openPull({ head: 'subissue/1-2' });
      bench.api.addCheckRun(pull.number, { name: 'lint', conclusion: 'failure', title: 'unused import', onRerun: false });
      const { root, history } = dataRootWith(bench, [{ task: '2', pr: pull.number }]);
      const queued: string[] = [];
      const said: string[] = [];
      const hands: FollowUpHands = {
        max: 3,
        queue: async (spec) => (queued.push(`${spec.subissue}:${spec.kind}`), true),
        rerun: async () => false,
        tell: async (message) => void said.push(message),
        say: async (message) => void said.push(message),
      };
      await watcherOf(bench, root, history, hands)();
      expect(said[0]).toBe(`Pull request #${pull.number}: the check lint cannot be re-run with this token.`);
      expect(queued).toEqual(['2:fix-ci']);
    },
  );
});
