import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { finishedRecord, makeGithubWorkerBench, type GithubWorkerBench } from '../helpers/github-worker-bench.js';
import { git } from '../helpers/git-repo.js';
import { makeTempDir } from '../helpers/temp.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * docs/SPEC.md section 8.5: blocked work waits, and wakes. The real gh against the scripted GitHub
 * with issue dependencies, one worker process, the fake agent, and the manager's pass in-process.
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  // Listed first, but #2 blocks it.
  { number: 3, title: 'Uses the parser', parent: 1, blockedBy: [2] },
  { number: 2, title: 'The parser', parent: 1 },
  { number: 6, title: 'Tangled parent' },
  { number: 7, title: 'Needs eight', parent: 6, blockedBy: [8] },
  { number: 8, title: 'Needs seven', parent: 6, blockedBy: [7] },
];

/** The manager's monitor loop in-process (its pull-request watcher releases blocked tasks); its log, and how to stop it. */
function startManager(bench: GithubWorkerBench) {
  const paths = bench.worker.paths;
  const settings = resolveSettings({}, { ...bench.env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
  const context = managerContextFor(
    { paths, settings, now: () => new Date(), env: bench.env },
    { workerBin: '/bin/true', cwd: bench.worker.repo },
  );
  const controller = new AbortController();
  const manager = runMonitorLoop(context, openPool(context), { signal: controller.signal });
  return {
    log: () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : ''),
    stop: async () => {
      controller.abort();
      await manager;
    },
  };
}

describe('blocked work waits, and wakes', () => {
  it(
    'a blocked sub-issue starts only after its blocker is done and its pull request merged, in the same run; a cycle is reported once and nothing in it starts',
    { timeout: 240_000 },
    async () => {
      const bench = await makeGithubWorkerBench(ISSUES, { PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms' });
      const added = await bench.queue(['add-issues', '1,6']);
      expect(added.exitCode).toBe(0);
      expect(added.stdout).toContain('Queued #3 "Uses the parser" (parent #1, priority 5, after #2)');
      expect(added.stdout).toContain('Order: #2, #3, #7, #8 (each after the issues blocking it).');
      expect(added.stdout.match(/Dependency cycle: .*/g)).toEqual([
        'Dependency cycle: #7 -> #8 -> #7; none of these starts until one of the dependencies is removed on GitHub.',
      ]);
      expect((await bench.queue(['list'])).stdout).toMatch(/│ 3 +│ 1 +│ 5 +│ blocked by #2/);
      // Every page of the dependencies was read.
      expect(
        bench.github.api.requests.some((request) => request.path.startsWith('/repos/octo/widgets/issues/3/dependencies/blocked_by')),
      ).toBe(true);

      const manager = startManager(bench);
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      const log = manager.log;
      try {
        const first = await finishedRecord(bench, 1, '2');
        const status = await bench.queue(['status', '1']);
        expect(status.stdout).toContain('waiting #3: blocked by #2');
        // Done, but its pull request is open: #3 still waits, for several rounds of the watcher.
        await waitFor(() => log().includes(`Following pull request #${first.pr_number as number} of task 2`), {
          timeoutMs: 30_000,
          what: 'the pull request of #2 followed',
        });
        await new Promise((resolve) => setTimeout(resolve, 5000));
        expect(bench.runsOf('3')).toBe(0);

        bench.github.api.closePull(first.pr_number as number, { merged: true });
        await finishedRecord(bench, 2, '3');
        expect(log()).toMatch(/Task octo\/widgets#3 no longer waits on #2: it may start\./);
        expect(log().match(/ALERT.*Dependency cycle: #7 -> #8 -> #7/g)).toHaveLength(1);
        expect(bench.runsOf('7') + bench.runsOf('8')).toBe(0);
      } finally {
        worker.kill('SIGTERM');
        await worker.catch(() => undefined);
        await manager.stop();
      }
    },
  );

  it(
    "with STACK_ON_BLOCKERS a sub-issue starts from its blocker's open pull request and opens against its branch; after the blocker merges its pull request is retargeted to main and its branch rebased onto main",
    { timeout: 240_000 },
    async () => {
      const bench = await makeGithubWorkerBench(ISSUES.slice(0, 3), {
        PR_POLL_INTERVAL: '5',
        CHECK_INTERVAL: '200ms',
        STACK_ON_BLOCKERS: 'true',
      });
      expect((await bench.queue(['add-issues', '1'])).exitCode).toBe(0);
      const manager = startManager(bench);
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      const origin = bench.github.origin;
      try {
        const blocker = await finishedRecord(bench, 1, '2');
        const stacked = await finishedRecord(bench, 2, '3');
        expect(manager.log()).toMatch(/Task octo\/widgets#3 no longer waits on #2: it may start\./);
        const pullOf = (number: unknown) => bench.github.api.pulls().find((pull) => pull.number === number)!;
        // Started before #2 merged, from #2's branch, and opened against it.
        expect(pullOf(blocker.pr_number).state).toBe('open');
        expect(pullOf(stacked.pr_number).base).toBe('subissue/1-2');
        expect(pullOf(stacked.pr_number).head).toBe('subissue/1-3');
        git(origin, 'merge-base', '--is-ancestor', 'subissue/1-2', 'subissue/1-3');

        // A person merges #2 (a merge commit) and main moves on with other work; then GitHub says merged.
        const clone = makeTempDir('hw-merge-');
        git(clone, 'clone', '-q', '--branch', 'main', origin, '.');
        git(clone, 'config', 'user.email', 'person@example.com');
        git(clone, 'config', 'user.name', 'A person');
        git(clone, 'merge', '-q', '--no-ff', '-m', 'Merge #2', 'origin/subissue/1-2');
        git(clone, 'commit', '-q', '--allow-empty', '-m', 'Other work on main');
        git(clone, 'push', '-q', 'origin', 'main');
        bench.github.api.closePull(blocker.pr_number as number, { merged: true });

        await waitFor(() => pullOf(stacked.pr_number).base === 'main', { timeoutMs: 60_000, what: 'the stacked pull request retargeted' });
        await waitFor(() => manager.log().includes('subissue/1-3 is rebased onto it'), { timeoutMs: 60_000, what: 'the rebase' });
        expect(
          bench.github.api.requests.some(
            (request) => request.method === 'PATCH' && request.path === `/repos/octo/widgets/pulls/${stacked.pr_number as number}`,
          ),
        ).toBe(true);
        // Its branch on origin now holds main, and still its own commit.
        git(origin, 'merge-base', '--is-ancestor', 'main', 'subissue/1-3');
        expect(git(origin, 'log', '--format=%s', 'main..subissue/1-3').split('\n').filter(Boolean)).toHaveLength(1);
        // The pool's own copy follows, so a later follow-up on the branch builds on what origin has.
        expect(git(bench.worker.repo, 'rev-parse', 'subissue/1-3')).toBe(git(origin, 'rev-parse', 'subissue/1-3'));
      } finally {
        worker.kill('SIGTERM');
        await worker.catch(() => undefined);
        await manager.stop();
      }
    },
  );

  it(
    'a dependency added on GitHub after intake holds the task when it is claimed, not as an attempt; it starts once the blocker closes',
    { timeout: 240_000 },
    async () => {
      const bench = await makeGithubWorkerBench(
        [
          { number: 10, title: 'Parent' },
          { number: 11, title: 'Needs the schema', parent: 10 },
          { number: 12, title: 'The schema (not queued)' },
        ],
        { PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms' },
      );
      expect((await bench.queue(['add-issues', '10'])).stdout).not.toContain('after');
      // After intake, someone marks #11 blocked by #12 on GitHub.
      (bench.github.api.issue(11)!.blockedBy as number[]).push(12);
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      try {
        await waitFor(async () => /blocked by #12/.test((await bench.queue(['list'])).stdout), { timeoutMs: 60_000, what: 'task 11 held' });
        expect(bench.runsOf('11')).toBe(0);
        const listed = (await bench.queue(['list', '--json'])).stdout;
        expect(JSON.parse(listed)).toMatchObject({ tasks: [{ subissue: '11', status: 'queued', attempts: 0, blocked_by: ['12'] }] });

        bench.github.api.issue(12)!.state = 'closed';
        const manager = startManager(bench);
        try {
          await finishedRecord(bench, 1, '11');
          expect(manager.log()).toMatch(/Task octo\/widgets#11 no longer waits on #12: it may start\./);
        } finally {
          await manager.stop();
        }
      } finally {
        worker.kill('SIGTERM');
        await worker.catch(() => undefined);
      }
    },
  );

  it('--after holds a hand-queued task until the other is done, though it is more urgent', { timeout: 120_000 }, async () => {
    const bench = await makeWorkerBench('embedded');
    const queue = (args: string[]) => runBin('worker-queue', args, { home: bench.home, cwd: bench.repo, env: bench.env });
    expect((await queue(['add', '5', '1', '201'])).exitCode).toBe(0);
    const later = await queue(['add', '1', '1', '202', '--after', '#201']);
    expect(later.stdout).toMatch(/Queued .*#202 .*priority 1, blocked by #201\./);
    const bad = await queue(['add', '1', '1', '203', '--after', 'other/repo#201']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/--after names sub-issues of .*; other\/repo#201 is not one\./);
    expect((await queue(['list'])).stdout).toMatch(/│ 202 +│ 1 +│ 1 +│ blocked by #201/);

    const worker = spawnWorker({ repo: bench.repo, env: bench.env }, 1);
    try {
      await waitFor(() => bench.starts().length >= 2, { timeoutMs: 60_000, what: 'both tasks started' });
      expect(bench.starts().map((start) => start.task)).toEqual(['201', '202']);
    } finally {
      worker.kill('SIGTERM');
      await worker.catch(() => undefined);
    }
  });
});
