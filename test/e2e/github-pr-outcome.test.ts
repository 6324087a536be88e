import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { originBranches } from '../helpers/github-api/gh-env.js';
import { finishedRecord, makeGithubWorkerBench, type GithubWorkerBench } from '../helpers/github-worker-bench.js';
import { git } from '../helpers/git-repo.js';
import { spawnWorker } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/*
 * docs/SPEC.md section 8: a task's outcome in GitHub mode is an open pull request holding its
 * commits. The real gh against the scripted GitHub, a real bare origin, one worker process and the
 * fake agent, whose starts.log counts the agent's runs.
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  { number: 2, title: 'Sub two', parent: 1 },
  { number: 3, title: 'Sub three', parent: 1 },
];

const openPullOf = (bench: GithubWorkerBench, head: string) =>
  bench.github.api.pulls().find((pull) => pull.head === head && pull.state === 'open');

describe('a pull request is the task outcome', () => {
  it(
    'a branch whose pull request was closed gets a new branch and a new open pull request, with one agent run',
    { timeout: 180_000 },
    async () => {
      const bench = await makeGithubWorkerBench(ISSUES);
      expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      const first = await finishedRecord(bench, 1, '2');
      const closed = openPullOf(bench, 'subissue/1-2')!;
      expect(first).toMatchObject({ result: 'success', pr_number: closed.number });

      // A reviewer closes it; the sub-issue is queued again.
      bench.github.api.closePull(closed.number);
      expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
      const second = await finishedRecord(bench, 2, '2');
      worker.kill('SIGTERM');
      const output = (await worker).all;

      const reopened = openPullOf(bench, 'subissue/1-2-2');
      expect(reopened).toBeDefined();
      expect(second).toMatchObject({ result: 'success', pr_number: reopened!.number });
      expect(second.pr_number).not.toBe(closed.number);
      expect(bench.runsOf('2')).toBe(2);
      expect(output).toMatch(/subissue\/1-2 had pull request #\d+ closed; working on subissue\/1-2-2/);
      // The new branch starts from the base: it holds this task's commit, not the closed one's.
      expect(git(bench.github.origin, 'rev-list', '--count', 'main..subissue/1-2-2')).toBe('1');
      expect(originBranches(bench.github.origin)).toEqual(expect.arrayContaining(['subissue/1-2', 'subissue/1-2-2']));
    },
  );

  it('a branch another host pushed is fetched and built on: the push goes through, one agent run', { timeout: 180_000 }, async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    // Another host's clone pushed subissue/1-3 with its own commit; this clone has never seen it.
    const other = makeTempDir('hw-other-host-');
    execFileSync('git', ['clone', '-q', bench.github.origin, other]);
    git(other, 'checkout', '-q', '-b', 'subissue/1-3');
    writeFileSync(join(other, 'other-host.txt'), 'pushed by another host\n');
    git(other, 'add', 'other-host.txt');
    git(other, '-c', 'user.name=Other', '-c', 'user.email=other@example.com', 'commit', '-q', '-m', 'work from another host');
    git(other, 'push', '-q', 'origin', 'subissue/1-3');
    const pushed = git(other, 'rev-parse', 'HEAD');

    expect((await bench.queue(['add', '5', '1', '3'])).exitCode).toBe(0);
    const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
    const record = await finishedRecord(bench, 1, '3');
    worker.kill('SIGTERM');
    await worker;

    const pull = openPullOf(bench, 'subissue/1-3');
    expect(record).toMatchObject({ result: 'success', attempts: 1, pr_number: pull?.number });
    expect(bench.runsOf('3')).toBe(1);
    // origin's branch holds the other host's commit and this one's on top.
    expect(git(bench.github.origin, 'rev-list', '--count', 'main..subissue/1-3')).toBe('2');
    expect(git(bench.github.origin, 'merge-base', '--is-ancestor', pushed, 'subissue/1-3')).toBe('');
  });

  it('a failed pull request call after a good push retries the call, not the agent', { timeout: 180_000 }, async () => {
    const bench = await makeGithubWorkerBench(ISSUES);
    bench.github.api.addFault({ method: 'POST', path: /\/pulls$/, status: 502, message: 'Server Error', times: 1 });
    expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
    const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
    const record = await finishedRecord(bench, 1, '2');
    worker.kill('SIGTERM');
    const output = (await worker).all;

    const pull = openPullOf(bench, 'subissue/1-2');
    expect(record).toMatchObject({ result: 'success', attempts: 1, pr_number: pull?.number });
    expect(bench.runsOf('2')).toBe(1);
    expect(output).toMatch(/the agent's work is committed; delivering it again/);
    const posts = bench.github.api.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/pulls'));
    expect(posts.map((request) => request.status)).toEqual([502, 201]);
  });
});
