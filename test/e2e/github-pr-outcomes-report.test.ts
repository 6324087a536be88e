import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { managerContextFor, openPool } from '../../src/manager/pool.js';
import { pullRequestsFile } from '../../src/github/pull-request-watcher.js';
import { finishedRecord, makeGithubWorkerBench } from '../helpers/github-worker-bench.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * docs/SPEC.md section 14.5: outcomes, not just activity. The real gh against the scripted GitHub,
 * one worker process with the fake agent reporting its cost, the manager's watcher in-process; a
 * person merges one pull request and leaves the other open; the report's JSON and the Prometheus
 * export then carry the time to PR, the time to merge, the share merged and the cost per merged PR.
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  { number: 2, title: 'Sub two', parent: 1 },
  { number: 3, title: 'Sub three', parent: 1 },
];

describe('pull request outcomes in the report and the export', () => {
  it(
    'after a scripted pull request merges, report --json and export --format prom carry the outcomes, per parent and overall',
    { timeout: 240_000 },
    async () => {
      const bench = await makeGithubWorkerBench(ISSUES, { PR_POLL_INTERVAL: '5', CHECK_INTERVAL: '200ms' });
      bench.worker.setScenario({ default: 'commit-usage' });
      expect((await bench.queue(['add-issues', '1'])).exitCode).toBe(0);
      const paths = bench.worker.paths;
      const settings = resolveSettings({}, { ...bench.env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
      const context = managerContextFor(
        { paths, settings, now: () => new Date(), env: bench.env },
        { workerBin: '/bin/true', cwd: bench.worker.repo },
      );
      const controller = new AbortController();
      const manager = runMonitorLoop(context, openPool(context), { signal: controller.signal });
      const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
      const log = () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : '');
      let merged: number;
      try {
        await finishedRecord(bench, 2, '3');
        merged = bench.history().find((record) => record.task_id === '2')!.pr_number as number;
        await waitFor(() => log().includes(`Following pull request #${merged} of task 2`), { timeoutMs: 30_000, what: 'the PR followed' });
        bench.github.api.closePull(merged, { merged: true });
        await waitFor(() => log().includes(`Pull request #${merged} of task 2: open -> merged`), {
          timeoutMs: 30_000,
          what: 'the merge seen',
        });
      } finally {
        worker.kill('SIGTERM');
        await worker.catch(() => undefined);
        controller.abort();
        await manager;
      }
      // Where the data is born: the watcher kept GitHub's opened and merged times.
      const watched = JSON.parse(readFileSync(pullRequestsFile(paths), 'utf8')).pulls['2'];
      expect(Date.parse(watched.merged_at)).toBeGreaterThanOrEqual(Date.parse(watched.opened_at));

      const run = (args: string[]) =>
        runBin('worker-performance', args, { home: bench.worker.home, cwd: bench.worker.repo, env: bench.env });
      const json = await run(['report', '--json']);
      expect(json.exitCode).toBe(0);
      const { outcomes } = JSON.parse(json.stdout);
      const expected = {
        pull_requests: 2,
        merged: 1,
        open: 1,
        closed: 0,
        merged_percent: 50,
        time_to_pr: { count: 2, median_s: expect.any(Number), p90_s: expect.any(Number) },
        time_to_merge: { count: 1, median_s: expect.any(Number), p90_s: null },
        ci_rounds_per_pr: 0,
        review_rounds_per_pr: 0,
        // The fake agent reports $0.25 a run; one run made the merged pull request.
        merged_cost_usd: 0.25,
        merged_unknown_cost_runs: 0,
        cost_per_merged_pr_usd: 0.25,
      };
      expect(outcomes.overall).toEqual(expected);
      expect(outcomes.parents).toEqual([{ parent: '1', ...expected }]);

      const text = await run(['report']);
      expect(text.stdout).toMatch(
        /Outcomes: +2 PR\(s\): 1 merged \(50%\), 1 open, 0 closed; start to PR median .*cost per merged PR \$0\.2500/,
      );
      const prom = await run(['export', '-', '--format', 'prom']);
      expect(prom.exitCode).toBe(0);
      expect(prom.stdout).toContain('hybrid_workers_pull_requests{parent="1",state="merged"} 1');
      expect(prom.stdout).toContain('hybrid_workers_pull_requests_merged_ratio{parent="all"} 0.5');
      expect(prom.stdout).toMatch(/hybrid_workers_time_to_merge_seconds\{parent="all",quantile="0.5"\} \d/);
      expect(prom.stdout).toMatch(/hybrid_workers_time_to_pull_request_seconds\{parent="1",quantile="0.9"\} \d/);
      expect(prom.stdout).toContain('hybrid_workers_cost_per_merged_pull_request_usd{parent="all"} 0.25');
    },
  );
});
