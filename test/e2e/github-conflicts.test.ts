import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { finishedRecord, makeGithubWorkerBench, type GithubWorkerBench } from '../helpers/github-worker-bench.js';
import { git } from '../helpers/git-repo.js';
import { startManagerLoop } from '../helpers/manager-loop.js';
import { spawnWorker } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * docs/SPEC.md section 14.6, siblings and a moving base: the real gh against the scripted GitHub,
 * whose mergeability is computed from the bare origin with git merge-tree; one worker process with
 * the fake agent; the manager's watcher in this process. Sub-issues 2 and 3 of parent 1 each open
 * a pull request; 2 is merged first.
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  { number: 2, title: 'Sub two', parent: 1 },
  { number: 3, title: 'Sub three', parent: 1 },
];

interface Siblings {
  readonly bench: GithubWorkerBench;
  readonly worker: ReturnType<typeof spawnWorker>;
  readonly pr: (subissue: string) => number;
  readonly originHead: (subissue: string) => string;
}

/** Both sub-issues delivered as open pull requests, each agent committing `files[subissue]`. */
async function twoPullRequests(files: Record<string, string>, requireUpToDate: boolean): Promise<Siblings> {
  const bench = await makeGithubWorkerBench(ISSUES, { PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms' });
  bench.github.api.useOrigin(bench.github.origin, { requireUpToDate });
  bench.worker.setScenario({ tasks: Object.fromEntries(Object.entries(files).map(([task, file]) => [task, `write:${file}`])) });
  expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
  expect((await bench.queue(['add', '5', '1', '3'])).exitCode).toBe(0);
  const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
  await finishedRecord(bench, 2, '3');
  const pr = (subissue: string) => bench.github.api.pulls().find((pull) => pull.head === `subissue/1-${subissue}`)!.number;
  return { bench, worker, pr, originHead: (subissue) => git(bench.github.origin, 'rev-parse', `subissue/1-${subissue}`) };
}

const pullOf = (siblings: Siblings, subissue: string) =>
  siblings.bench.github.api.pulls().find((pull) => pull.number === siblings.pr(subissue))!;

describe('siblings and a moving base', () => {
  it(
    'a sibling merged first makes the other pull request conflict: it becomes a resolve-conflict follow-up naming the path and both sides’ commits, whose agent resolves it, and the same pull request goes clean',
    { timeout: 240_000 },
    async () => {
      const siblings = await twoPullRequests({ '2': 'shared.txt', '3': 'shared.txt' }, false);
      const { bench } = siblings;
      // Merged as a person (or AUTO_MERGE) would: PUT pulls/{n}/merge through the real gh.
      const merged = await execa('gh', ['api', '-X', 'PUT', `repos/octo/widgets/pulls/${siblings.pr('2')}/merge`], {
        env: bench.env,
        extendEnv: false,
        reject: false,
      });
      expect(merged.exitCode, merged.stderr).toBe(0);
      expect(JSON.parse(merged.stdout)).toMatchObject({ merged: true });
      expect(git(bench.github.origin, 'log', '-1', '--format=%s', 'main')).toBe(
        `Merge pull request #${siblings.pr('2')} from octo/subissue/1-2`,
      );
      expect(pullOf(siblings, '3')).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });

      const manager = startManagerLoop(bench.worker.paths, bench.worker.repo, bench.env);
      await waitFor(() => manager.log().includes('queued resolve-conflict follow-up 1 of 3 for sub-issue #3'), {
        timeoutMs: 120_000,
        what: 'the resolve-conflict follow-up',
      });
      expect(manager.log()).toContain(`Pull request #${siblings.pr('3')}: conflicts with main in shared.txt;`);
      await waitFor(() => pullOf(siblings, '3').mergeable_state === 'clean', { timeoutMs: 90_000, what: 'pull request 3 clean' });
      await manager.stop();

      const prompt = readFileSync(join(bench.worker.agentDir, 'prompt-3.txt'), 'utf8');
      expect(prompt).toContain('This is a resolve-conflict follow-up on GitHub sub-issue #3');
      expect(prompt).toMatch(/Conflicted paths \(1\):\n {2}shared\.txt\n/);
      expect(prompt).toMatch(
        /Commits on main that touched them since the branch left it:\n {2}[0-9a-f]{7,} agent: sub-issue 2 \(shared\.txt\)/,
      );
      expect(prompt).toMatch(/Commits on subissue\/1-3 that touched them:\n {2}[0-9a-f]{7,} agent: sub-issue 3 \(shared\.txt\)/);
      // The same pull request, its branch holding the merged base and both lines.
      expect(bench.github.api.pulls().filter((pull) => pull.head === 'subissue/1-3')).toHaveLength(1);
      expect(git(bench.github.origin, 'show', 'subissue/1-3:shared.txt')).toBe('line of sub-issue 3\nline of sub-issue 2');
      expect(bench.runsOf('3')).toBe(2);
    },
  );

  it(
    'a sibling merged first that touched other files, with branch protection wanting branches up to date: the other is rebased with no agent and pushed with lease',
    { timeout: 240_000 },
    async () => {
      const siblings = await twoPullRequests({ '2': 'two.txt', '3': 'three.txt' }, true);
      const { bench } = siblings;
      const before = siblings.originHead('3');
      expect(bench.github.api.mergePull(siblings.pr('2'))).toBe(true);
      expect(pullOf(siblings, '3')).toMatchObject({ mergeable: true, mergeable_state: 'behind' });

      const manager = startManagerLoop(bench.worker.paths, bench.worker.repo, bench.env);
      await waitFor(() => pullOf(siblings, '3').mergeable_state === 'clean', { timeoutMs: 120_000, what: 'pull request 3 up to date' });
      await manager.stop();
      expect(manager.log()).toContain(`Pull request #${siblings.pr('3')}: rebased onto main (`);
      expect(manager.log()).toContain(`pushed with lease over ${before.slice(0, 7)}`);
      // Rebased: main's new tip under the one commit of the branch, no merge commit, no agent.
      expect(git(bench.github.origin, 'log', '--format=%s', 'main..subissue/1-3')).toBe('agent: sub-issue 3 (three.txt)');
      expect(git(bench.github.origin, 'merge-base', '--is-ancestor', 'main', 'subissue/1-3')).toBe('');
      expect(siblings.originHead('3')).not.toBe(before);
      expect(bench.runsOf('3')).toBe(1);
      expect((await bench.worker.backend.list()).filter((task) => task.status === 'queued')).toEqual([]);

      // A follow-up after the rebase starts from the rebased head on origin, not the local branch: each commit once.
      const rebased = siblings.originHead('3');
      bench.worker.setScenario({ tasks: { '3': 'gate' } });
      writeFileSync(join(bench.worker.agentDir, 'go-3'), '');
      await bench.worker.backend.add({ subissue: '3', parent: '1', priority: 1, repo: 'octo/widgets', kind: 'fix-ci' });
      await waitFor(() => bench.history().filter((record) => record.task_id === '3').length === 2, {
        timeoutMs: 60_000,
        what: 'the follow-up finished',
      });
      expect(readFileSync(join(bench.worker.agentDir, 'head-3.txt'), 'utf8').trim()).toBe(rebased);
      expect(git(bench.github.origin, 'log', '--format=%s', 'main..subissue/1-3').split('\n')).toEqual([
        'agent: sub-issue 3 (fix-ci-3.txt)',
        'agent: sub-issue 3 (three.txt)',
      ]);
    },
  );

  it(
    'a sibling merged first that touched other files, without the up-to-date rule: the other pull request is not touched',
    { timeout: 240_000 },
    async () => {
      const siblings = await twoPullRequests({ '2': 'two.txt', '3': 'three.txt' }, false);
      const { bench } = siblings;
      const before = siblings.originHead('3');
      expect(bench.github.api.mergePull(siblings.pr('2'))).toBe(true);
      const mainAfter = git(bench.github.origin, 'rev-parse', 'main');

      const manager = startManagerLoop(bench.worker.paths, bench.worker.repo, bench.env);
      // The watcher has checked pull request 3 against the moved base when its entry records that base.
      const checked = () => {
        const file = JSON.parse(readFileSync(join(bench.worker.home, 'github', 'pull-requests.json'), 'utf8')) as {
          pulls: Record<string, { base_check?: string }>;
        };
        return file.pulls['3']?.base_check?.startsWith(`${mainAfter}:`) === true;
      };
      await waitFor(checked, { timeoutMs: 60_000, what: 'pull request 3 checked against the moved base' });
      await manager.stop();
      expect(siblings.originHead('3')).toBe(before);
      expect(pullOf(siblings, '3')).toMatchObject({ sha: before, mergeable_state: 'clean' });
      expect(manager.log()).not.toMatch(/rebased onto|resolve-conflict/);
      expect(bench.runsOf('3')).toBe(1);
    },
  );

  it(
    '`worker-queue status` flags two open sibling pull requests that change the same file before either conflicts',
    { timeout: 240_000 },
    async () => {
      const siblings = await twoPullRequests({ '2': 'shared.txt', '3': 'shared.txt' }, false);
      const { bench } = siblings;
      expect(pullOf(siblings, '3')).toMatchObject({ mergeable_state: 'clean' });
      const manager = startManagerLoop(bench.worker.paths, bench.worker.repo, bench.env);
      await waitFor(() => (manager.log().match(/Following pull request #/g) ?? []).length === 2, {
        timeoutMs: 60_000,
        what: 'both pull requests followed',
      });
      await manager.stop();
      const status = await bench.queue(['status']);
      expect(status.exitCode, status.stderr).toBe(0);
      const [a, b] = [siblings.pr('2'), siblings.pr('3')].sort((x, y) => x - y);
      expect(status.stdout).toContain(`Overlap: pull requests #${a} (sub-issue #2) and #${b} (sub-issue #3) both change shared.txt:`);
      const json = JSON.parse((await bench.queue(['status', '--json'])).stdout) as { overlaps: unknown };
      expect(json.overlaps).toEqual([{ prs: [a, b], subissues: ['2', '3'], same_parent: true, paths: ['shared.txt'] }]);
    },
  );

  it(
    'a commit a person pushes to the pull request’s branch while a follow-up runs survives: the follow-up’s delivery takes it in and pushes with lease',
    { timeout: 240_000 },
    async () => {
      const bench = await makeGithubWorkerBench(ISSUES.slice(0, 2));
      expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      await finishedRecord(bench, 1, '2');
      // The history is written before the queue hears of the end: the follow-up waits for the task to be done.
      await waitFor(async () => (await bench.worker.backend.list())[0]?.status === 'done', { timeoutMs: 30_000, what: 'task 2 done' });
      const [task] = await bench.worker.backend.list();
      bench.worker.setScenario({ tasks: { '2': 'gate' } });
      await bench.worker.backend.add({ subissue: '2', parent: '1', priority: 1, repo: task!.repo!, kind: 'fix-ci' });
      await waitFor(() => bench.runsOf('2') === 2, { timeoutMs: 60_000, what: 'the follow-up’s agent started' });

      // A person pushes to the branch while the agent works.
      const clone = makeTempDir('hw-person-');
      git(clone, 'clone', '-q', '--branch', 'subissue/1-2', bench.github.origin, '.');
      writeFileSync(join(clone, 'person.txt'), 'a fix by a person\n');
      git(clone, 'add', 'person.txt');
      git(clone, '-c', 'user.name=A Person', '-c', 'user.email=person@example.com', 'commit', '-q', '-m', 'a person’s fix');
      git(clone, 'push', '-q', 'origin', 'subissue/1-2');
      writeFileSync(join(bench.worker.agentDir, 'go-2'), '');

      const record = await finishedRecord(bench, 2, '2');
      worker.kill('SIGTERM');
      const output = (await worker).all;
      expect(record, output).toMatchObject({ result: 'success' });
      const subjects = git(bench.github.origin, 'log', '--format=%s', 'main..subissue/1-2').split('\n');
      expect(subjects).toEqual(['agent: sub-issue 2 (fix-ci-2.txt)', 'a person’s fix', 'agent: sub-issue 2']);
      expect(bench.github.api.pulls().filter((pull) => pull.head === 'subissue/1-2')).toHaveLength(1);
    },
  );
});
