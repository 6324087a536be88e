import { expect, it } from 'vitest';
import { GithubError } from '../../src/adapters/github/gh-api.js';
import { deliverPullRequest } from '../../src/github/deliver-pull-request.js';
import { chooseTaskBranch, detectGithubMode } from '../../src/github/pull-requests.js';
import { listSubIssues } from '../../src/adapters/github/rest-resources.js';
import { makeGithubBench, originBranches } from '../helpers/github-api/gh-env.js';
import { git } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';

/* The real gh CLI against the scripted GitHub REST server (test/helpers/github-api). */

describeWith(['gh', 'git'], 'the GitHub adapter', () => {
  it('detects GitHub mode through GET /user, and says why it is off', async () => {
    const bench = await makeGithubBench();
    const on = await detectGithubMode(bench.gh);
    expect(on).toEqual(expect.objectContaining({ on: true, repo: 'octo/widgets', login: 'scripted-user' }));
    expect(bench.api.requests.map((request) => `${request.method} ${request.path}`)).toContain('GET /user');

    const badLogin = await detectGithubMode({ ...bench.gh, env: { ...bench.env, GH_TOKEN: 'wrong' } });
    expect(badLogin).toEqual({ on: false, why: expect.stringMatching(/^GitHub refused the login \(HTTP 401.*run gh auth login/) });

    const noRepo = await detectGithubMode({ ...bench.gh, env: { ...bench.env, GITHUB_REPOSITORY: '' } });
    expect(noRepo).toEqual({ on: false, why: expect.stringMatching(/no GitHub repository is known/) });
  });

  it('follows every page of sub-issues', async () => {
    const bench = await makeGithubBench({
      pageSize: 1,
      issues: [
        { number: 1, title: 'parent' },
        { number: 2, title: 'a', parent: 1 },
        { number: 3, title: 'b', parent: 1 },
        { number: 4, title: 'c', parent: 1 },
      ],
    });
    expect((await listSubIssues(bench.gh, 'octo/widgets', 1)).map((issue) => issue.number)).toEqual([2, 3, 4]);
    expect(bench.api.requests.filter((request) => request.path.includes('/sub_issues'))).toHaveLength(3);
  });

  it('waits out a short rate limit and says so; a long one is one sentence', async () => {
    const bench = await makeGithubBench({ issues: [{ number: 1, title: 'parent' }] });
    const resetSoon = String(Math.floor(Date.now() / 1000) + 1);
    bench.api.addFault({
      method: 'GET',
      path: /sub_issues$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': resetSoon },
      message: 'API rate limit exceeded',
      times: 1,
    });
    expect(await listSubIssues(bench.gh, 'octo/widgets', 1)).toEqual([]);
    expect(bench.notices).toEqual([
      expect.stringMatching(/^GitHub's rate limit is reached \(asking for sub-issues of #1 in octo\/widgets\); waiting \d+ s/),
    ]);

    bench.api.addFault({
      method: 'GET',
      path: /sub_issues$/,
      status: 429,
      headers: { 'retry-after': '3600' },
      message: 'secondary rate limit',
    });
    const error = await listSubIssues(bench.gh, 'octo/widgets', 1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GithubError);
    expect((error as GithubError).message).toMatch(/^GitHub's rate limit is exhausted until \d\d:\d\d:\d\d UTC .*try again then\.$/);
  });

  it('pushes the branch and opens its pull request once; a second call finds it', async () => {
    const bench = await makeGithubBench({
      issues: [
        { number: 10, title: 'parent' },
        { number: 11, title: 'Add the widget', parent: 10 },
      ],
    });
    git(bench.repo, 'checkout', '-q', '-b', 'subissue/10-11');
    git(bench.repo, 'commit', '-q', '--allow-empty', '-m', 'work');
    const task = taskOn(bench.repo, 'subissue/10-11', '11', '10');
    const first = await deliverPullRequest(linkOf(bench), task, 1);
    const second = await deliverPullRequest(linkOf(bench), task, 1);
    expect(first).toEqual(
      expect.objectContaining({
        pullRequest: { number: expect.any(Number), url: expect.stringMatching(/^https:\/\/github\.localhost\/octo\/widgets\/pull\/\d+$/) },
      }),
    );
    expect(second).toEqual(expect.objectContaining({ pullRequest: (first as { pullRequest: unknown }).pullRequest }));
    expect(originBranches(bench.origin)).toContain('subissue/10-11');
    expect(bench.api.pulls()).toEqual([
      expect.objectContaining({
        title: 'Add the widget',
        head: 'subissue/10-11',
        base: 'main',
        body: expect.stringMatching(/^Closes #11, part of #10\./),
      }),
    ]);
  });

  it('opens the pull request under a plain one-line title: no \\r\\n, control or bidi characters from the issue title', async () => {
    const bench = await makeGithubBench({ issues: [{ number: 10, title: 'parent' }] });
    git(bench.repo, 'checkout', '-q', '-b', 'subissue/10-12');
    git(bench.repo, 'commit', '-q', '--allow-empty', '-m', 'work');
    const title = 'Fix the\r\nwidget\u0007 \u202Egnp.exe\u202C now\u2028please';
    await deliverPullRequest(linkOf(bench), { ...taskOn(bench.repo, 'subissue/10-12', '12', '10'), issue: { title } }, 1);
    expect(bench.api.pulls().map((pull) => pull.title)).toEqual(['Fix the widget gnp.exe now please']);
  });

  it('says what git said when the branch cannot be pushed, and opens no pull request', async () => {
    const bench = await makeGithubBench();
    git(bench.repo, 'remote', 'set-url', 'origin', '/nonexistent/origin.git');
    git(bench.repo, 'checkout', '-q', '-b', 'subissue/1-2');
    git(bench.repo, 'commit', '-q', '--allow-empty', '-m', 'work');
    const delivered = await deliverPullRequest(linkOf(bench), taskOn(bench.repo, 'subissue/1-2', '2', '1'), 1);
    // The delivery reads origin's branch before it pushes (to lease against it), so that is where git fails.
    expect(delivered).toEqual({
      inspectError: expect.stringMatching(/^git fetch failed in .*'\/nonexistent\/origin\.git' does not appear/),
    });
    expect(bench.api.pulls()).toEqual([]);
  });

  it('never counts a closed or merged pull request: the task moves to the next branch name, which gets an open one', async () => {
    const bench = await makeGithubBench({ issues: [{ number: 3, title: 'parent' }] });
    git(bench.repo, 'checkout', '-q', '-b', 'subissue/3-4');
    git(bench.repo, 'commit', '-q', '--allow-empty', '-m', 'work');
    const first = await deliverPullRequest(linkOf(bench), taskOn(bench.repo, 'subissue/3-4', '4', '3'), 1);
    const firstNumber = (first as { pullRequest: { number: number } }).pullRequest.number;
    expect(await chooseTaskBranch(bench.gh, 'octo/widgets', 'subissue/3-4')).toEqual({ branch: 'subissue/3-4', ended: [] });

    bench.api.closePull(firstNumber);
    expect(await chooseTaskBranch(bench.gh, 'octo/widgets', 'subissue/3-4')).toEqual({
      branch: 'subissue/3-4-2',
      ended: [{ branch: 'subissue/3-4', number: firstNumber, merged: false }],
    });
    git(bench.repo, 'checkout', '-q', '-b', 'subissue/3-4-2', 'main');
    git(bench.repo, 'commit', '-q', '--allow-empty', '-m', 'work again');
    const second = await deliverPullRequest(linkOf(bench), taskOn(bench.repo, 'subissue/3-4-2', '4', '3'), 1);
    const secondNumber = (second as { pullRequest: { number: number } }).pullRequest.number;
    expect(secondNumber).not.toBe(firstNumber);
    expect(bench.api.pulls().find((pull) => pull.number === secondNumber)).toMatchObject({ head: 'subissue/3-4-2', state: 'open' });

    bench.api.closePull(secondNumber, { merged: true });
    expect((await chooseTaskBranch(bench.gh, 'octo/widgets', 'subissue/3-4')).branch).toBe('subissue/3-4-3');
  });
});

const linkOf = (bench: Awaited<ReturnType<typeof makeGithubBench>>) => ({ repo: 'octo/widgets', gh: bench.gh, comment: false });

const taskOn = (worktree: string, branch: string, subissue: string, parent: string) => ({
  worktree,
  branch,
  base_branch: 'main',
  subissue,
  parent,
  issue: subissue === '11' ? { title: 'Add the widget' } : null,
});
