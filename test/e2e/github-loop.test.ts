import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { makeGithubBench, originBranches } from '../helpers/github-api/gh-env.js';
import { describeWith } from '../helpers/requires.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * The whole loop with the real gh against the scripted GitHub: parents -> queued sub-issues ->
 * three workers whose (fake) agent commits -> every branch pushed to a bare origin -> one pull
 * request per sub-issue, recorded with its URL, also across a worker SIGKILLed mid-delivery.
 */

const ISSUES = [
  { number: 1, title: 'Parent one' },
  { number: 2, title: 'Sub A', parent: 1 },
  { number: 3, title: 'Sub B', parent: 1 },
  { number: 4, title: 'Sub C', parent: 1 },
  { number: 5, title: 'Parent two' },
  { number: 6, title: 'Sub D', parent: 5 },
  { number: 7, title: 'Sub E', parent: 5 },
];

describeWith(['gh', 'git'], 'the GitHub loop', () => {
  it('a worker whose issue fetch GitHub rate-limits for ever gives up within GITHUB_MAX_WAIT and retries it as a github_error', async () => {
    const bench = await makeWorkerBench('embedded', { MAX_RETRIES: '2', GITHUB_MAX_WAIT: '2' });
    const github = await makeGithubBench({ issues: ISSUES }, bench.repo);
    github.api.addFault({ method: 'GET', path: /\/issues\/2$/, status: 429, message: 'secondary rate limit' });
    await bench.backend.add({ subissue: '2', parent: '1', priority: 1 });
    const worker = spawnWorker({ repo: bench.repo, env: { ...bench.env, ...github.env } }, 1);
    const task = await waitFor(async () => (await bench.backend.list()).find((item) => item.status === 'failed'), {
      what: 'the task to fail for good',
      timeoutMs: 60_000,
    });
    worker.kill('SIGTERM');
    await worker;
    expect(task.lastError).toMatch(
      /github_error: GitHub still answers HTTP 429 \(rate limited, asking for issue #2 .*GITHUB_MAX_WAIT \(2 s\) allows; try again later\. \(after 2 attempt\(s\)\)$/,
    );
    expect(bench.starts()).toEqual([]);
  }, 90_000);

  it(
    'takes 2 parents with 5 sub-issues to 5 pull requests with 3 workers, none duplicated after a SIGKILL',
    { timeout: 240_000 },
    async () => {
      const bench = await makeWorkerBench('embedded');
      const github = await makeGithubBench({ issues: ISSUES }, bench.repo);
      const env = { ...bench.env, ...github.env };
      const queue = (args: string[]) => runBin('worker-queue', args, { home: bench.home, cwd: bench.repo, env });
      // The pull request of sub-issue 4 is created, but its worker never hears back: it is killed there.
      github.api.holdPullCreation('subissue/1-4');

      const added = await queue(['add-issues', '1,5']);
      expect(added.exitCode).toBe(0);
      expect(added.stdout).toMatch(/Added 5 tasks, skipped 0, from octo\/widgets\./);

      const workers = new Map([1, 2, 3].map((id) => [id, spawnWorker({ repo: bench.repo, env }, id)]));
      const held = await waitFor(
        async () =>
          (await bench.backend.list()).find(
            (task) => task.subissue === '4' && github.api.pulls().some((pull) => pull.head === 'subissue/1-4'),
          ),
        {
          what: 'the pull request of sub-issue 4 to be created',
          timeoutMs: 90_000,
        },
      );
      const victim = workers.get(held.workerId!)!;
      victim.kill('SIGKILL');
      await victim;
      workers.set(held.workerId!, spawnWorker({ repo: bench.repo, env }, held.workerId!));

      await waitFor(async () => (await bench.backend.list()).every((task) => task.status === 'done'), {
        what: 'every task done',
        timeoutMs: 120_000,
      });
      for (const worker of workers.values()) worker.kill('SIGTERM');
      const outputs = await Promise.all([...workers.values()]);
      expect(outputs.map((output) => output.all).join('\n')).toMatch(
        /GitHub mode: on \(gh is logged in as scripted-user; repository octo\/widgets from GITHUB_REPOSITORY\)/,
      );

      const branches = ['subissue/1-2', 'subissue/1-3', 'subissue/1-4', 'subissue/5-6', 'subissue/5-7'];
      expect(originBranches(github.origin).sort()).toEqual([...branches, 'main'].sort());
      const pulls = github.api.pulls();
      expect(pulls.map((pull) => pull.head).sort()).toEqual(branches);
      expect(pulls.find((pull) => pull.head === 'subissue/5-7')).toEqual(
        expect.objectContaining({ title: 'Sub E', body: expect.stringMatching(/^Closes #7, part of #5\./) }),
      );

      const history = existsSync(bench.paths.historyFile)
        ? readFileSync(bench.paths.historyFile, 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [];
      expect(history).toHaveLength(5);
      for (const record of history) {
        const pull = pulls.find((candidate) => candidate.head.endsWith(`-${String(record.task_id)}`))!;
        expect(record).toMatchObject({
          result: 'success',
          pr_number: pull.number,
          pr_url: `https://github.localhost/octo/widgets/pull/${pull.number}`,
        });
      }

      const timeline = await runBin('worker-performance', ['timeline', '--json'], { home: bench.home, env });
      const entries = (JSON.parse(timeline.stdout) as { entries: { task_id: string; pr_number?: number; pr_url?: string }[] }).entries;
      expect(entries).toHaveLength(5);
      for (const entry of entries) expect(entry.pr_url).toBe(`https://github.localhost/octo/widgets/pull/${entry.pr_number}`);
      expect((await runBin('worker-performance', ['timeline'], { home: bench.home, env })).stdout).toMatch(
        /success: pull request #\d+ https:\/\/github\.localhost\/octo\/widgets\/pull\/\d+/,
      );

      const status = await queue(['status', '--json']);
      const parsed = JSON.parse(status.stdout) as {
        parents: { parent: string; total: number; done: { pr_url?: string }[] }[];
        pool: { total: number; done: number };
      };
      expect(parsed.pool).toMatchObject({ total: 5, done: 5 });
      expect(parsed.parents.map((parent) => [parent.parent, parent.total, parent.done.length])).toEqual([
        ['1', 3, 3],
        ['5', 2, 2],
      ]);
      expect(
        parsed.parents
          .flatMap((parent) => parent.done)
          .every((done) => done.pr_url?.startsWith('https://github.localhost/octo/widgets/pull/')),
      ).toBe(true);
      const text = await queue(['status', '5']);
      expect(text.stdout).toMatch(/^#5: 2\/2 done\n {2}done #6 -> pull request #\d+ https:\/\/github\.localhost\/octo\/widgets\/pull\/\d+/);
    },
  );
});
