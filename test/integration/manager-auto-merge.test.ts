import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openPullWatchStore } from '../../src/github/pull-request-watcher.js';
import { makeManagerGithubBench, type ManagerGithubBench } from '../helpers/github-api/manager-bench.js';
import { git } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

/*
 * AUTO_MERGE and the pull-request notifications (docs/SPEC.md sections 13 and 14.7): the manager's
 * loop with the real gh against the scripted GitHub, which merges into the bench's bare origin.
 */

/** A branch with one commit adding `file`, pushed to the bench's origin, and its pull request (green). */
function pushedPull(bench: ManagerGithubBench, branch: string, file: string) {
  const { repo, api } = bench.github;
  git(repo, 'checkout', '-q', '-b', branch, 'main');
  writeFileSync(join(repo, file), `${file}\n`);
  git(repo, 'add', file);
  git(repo, 'commit', '-q', '-m', `add ${file}`);
  git(repo, 'push', '-q', 'origin', branch);
  git(repo, 'checkout', '-q', 'main');
  const pull = api.openPull({ head: branch, title: `add ${file}` });
  api.addCheckRun(pull.number, { name: 'test' });
  return pull;
}

const approve = (bench: ManagerGithubBench, number: number) =>
  bench.github.api.addReview(number, { login: 'maintainer', state: 'APPROVED', association: 'COLLABORATOR' });

const mergeRequests = (bench: ManagerGithubBench) =>
  bench.github.api.requests.filter((request) => request.method === 'PUT' && request.path.endsWith('/merge'));

const notifyEnv = (url: string) => ({ NOTIFY_WEBHOOK_URL: url, NOTIFY_COALESCE: '1', NOTIFY_DESKTOP: 'false' });

/** Runs the manager until `until` is true, then `settle` ms more (to show nothing else happens). */
async function withManager(bench: ManagerGithubBench, until: () => boolean, what: string, settle = 0, timeoutMs = 60_000): Promise<void> {
  const manager = bench.startManager();
  try {
    await waitFor(until, { timeoutMs, what });
    if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle));
  } finally {
    await manager.stop();
  }
}

describeWith(['git', 'gh', 'tmux'], 'AUTO_MERGE', () => {
  it('with AUTO_MERGE=squash an approved green pull request is squashed into the base at the head it judged and its task ends merged; an unapproved green one is not merged', async () => {
    const bench = await makeManagerGithubBench({ AUTO_MERGE: 'squash' });
    const approved = pushedPull(bench, 'subissue/1-2', 'two.txt');
    approve(bench, approved.number);
    const unapproved = pushedPull(bench, 'subissue/1-3', 'three.txt');
    await bench.delivered([
      { subissue: '2', pr: approved.number },
      { subissue: '3', pr: unapproved.number },
    ]);
    await withManager(bench, () => bench.log().includes(`Merged pull request #${approved.number} of task 2`), 'the merge', 6000);

    expect(mergeRequests(bench)).toEqual([
      expect.objectContaining({
        path: `/repos/octo/widgets/pulls/${approved.number}/merge`,
        body: { merge_method: 'squash', sha: approved.sha },
        status: 200,
      }),
    ]);
    const { origin } = bench.github;
    // Squashed: one new commit on main, whose only parent is the old main, holding the file.
    expect(git(origin, 'show', 'main:two.txt')).toBe('two.txt');
    expect(git(origin, 'rev-list', '--count', 'main')).toBe('2');
    expect(git(origin, 'rev-list', '--parents', '-n', '1', 'main').split(' ')).toHaveLength(2);
    const pulls = (await openPullWatchStore(bench.paths).read()).pulls;
    expect(pulls['2']?.state).toBe('merged');
    expect(pulls['3']?.state).toBe('open');
    expect(bench.github.api.pulls().find((pull) => pull.number === unapproved.number)?.merged).toBe(false);
  }, 120_000);

  it('two ready pull requests of one parent merge blocker first, whatever their numbers, the second as soon as the first has merged', async () => {
    // Without a look at the siblings right after a merge, the second would wait for the next interval (60 s).
    const bench = await makeManagerGithubBench({ AUTO_MERGE: 'merge', PR_POLL_INTERVAL: '60' });
    const dependent = pushedPull(bench, 'subissue/1-4', 'four.txt');
    const blocker = pushedPull(bench, 'subissue/1-5', 'five.txt');
    approve(bench, dependent.number);
    approve(bench, blocker.number);
    await bench.delivered([
      { subissue: '4', pr: dependent.number, blockedBy: ['5'] },
      { subissue: '5', pr: blocker.number },
    ]);
    await withManager(bench, () => mergeRequests(bench).length === 2, 'both merges, well within the interval', 0, 40_000);

    expect(mergeRequests(bench).map((request) => request.path)).toEqual([
      `/repos/octo/widgets/pulls/${blocker.number}/merge`,
      `/repos/octo/widgets/pulls/${dependent.number}/merge`,
    ]);
    expect(git(bench.github.origin, 'show', 'main:four.txt')).toBe('four.txt');
    expect(git(bench.github.origin, 'show', 'main:five.txt')).toBe('five.txt');
  }, 120_000);

  it("a merge refused by GitHub's branch protection is notified once, with GitHub's message, and not tried again; a 502 is tried again", async () => {
    const hook = await startWebhookReceiver();
    const bench = await makeManagerGithubBench({ AUTO_MERGE: 'squash', ...notifyEnv(hook.url) });
    const pull = pushedPull(bench, 'subissue/1-6', 'six.txt');
    // A server error is no refusal: that merge is tried again next round, and nobody is told.
    bench.github.api.addFault({ method: 'PUT', path: /\/merge$/, status: 502, message: 'Bad Gateway', times: 1 });
    bench.github.api.addFault({
      method: 'PUT',
      path: /\/merge$/,
      status: 405,
      message: 'At least 2 approving reviews are required by reviewers with write access.',
    });
    await bench.delivered([{ subissue: '6', pr: pull.number }]);
    const refused = () => hook.accepted().filter((body) => body.kind === 'pr_needs_person');
    approve(bench, pull.number);
    await withManager(bench, () => refused().length > 0, 'the refusal notified', 8000);

    expect(refused()).toHaveLength(1);
    expect(String(refused()[0]!.text)).toContain('At least 2 approving reviews are required by reviewers with write access.');
    expect(String(refused()[0]!.text)).toContain(pull.number.toString());
    expect(mergeRequests(bench).map((request) => request.status)).toEqual([502, 405]);
    expect(bench.log()).toContain(`Could not merge pull request #${pull.number} this round`);
    expect(bench.log().match(/GitHub refused to merge/g)).toHaveLength(1);
  }, 120_000);

  it('a pull request ready to merge and a parent whose pull requests are all ready are each notified once, with their links', async () => {
    const hook = await startWebhookReceiver();
    const bench = await makeManagerGithubBench(notifyEnv(hook.url));
    const first = pushedPull(bench, 'subissue/1-7', 'seven.txt');
    const second = pushedPull(bench, 'subissue/1-8', 'eight.txt');
    await bench.delivered([
      { subissue: '7', pr: first.number },
      { subissue: '8', pr: second.number },
    ]);
    const ofKind = (kind: string) => hook.accepted().filter((body) => body.kind === kind);
    let approved = 0;
    await withManager(
      bench,
      () => {
        if (approved === 0 && bench.log().includes(`Following pull request #${second.number}`)) {
          approved = 1;
          approve(bench, first.number);
        }
        if (approved === 1 && ofKind('pr_ready').length === 1) {
          approved = 2;
          approve(bench, second.number);
        }
        return ofKind('parent_ready').length > 0;
      },
      'the parent ready',
      8000,
    );

    const links = [first, second].map((pull) => `https://github.localhost/octo/widgets/pull/${pull.number}`);
    expect(ofKind('pr_ready')).toHaveLength(2);
    expect(ofKind('pr_ready').map((body) => String(body.text))).toEqual([
      expect.stringContaining(links[0]!),
      expect.stringContaining(links[1]!),
    ]);
    expect(String(ofKind('pr_ready')[0]!.text)).toContain(`gh pr merge ${first.number}`);
    expect(ofKind('parent_ready')).toHaveLength(1);
    expect(String(ofKind('parent_ready')[0]!.text)).toContain(`${links[0]} (ready), ${links[1]} (ready)`);
  }, 120_000);
});
