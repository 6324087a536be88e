// From a check turning red to the fix-ci follow-up's agent started (issue 26 section 5, docs/SPEC.md
// section 14.3): the scripted GitHub of the tests with the real gh, a bare origin, one real worker
// process (dist/, the fake agent) and the manager's real watcher, at the default PR_POLL_INTERVAL
// (30 s: a pull request whose checks run is looked at every 15 s). Each trial takes a delivered pull
// request whose check is running, waits a random part of the poll interval, turns the check red
// (a token that may not re-run it, so no re-run comes first) and times the agent's start for the
// fix-ci follow-up. `npm run build` first.
// Run: node scripts/bench/pr-followup-latency.mjs [trials] [PR_POLL_INTERVAL seconds]
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TRIALS = Number(process.argv[2] ?? 8);
const INTERVAL_S = process.argv[3] ?? '30';

// The test helpers find the fake agent and the bins relative to their own files: the bundle sits
// beside them (and is removed at the end); packages stay imports of node_modules.
const bundle = join(root, 'test', 'helpers', `.bench-pr-followup-${process.pid}.mjs`);
async function loadHelpers() {
  await build({
    stdin: {
      contents: [
        "export { makeGithubWorkerBench, finishedRecord } from './test/helpers/github-worker-bench.ts';",
        "export { spawnWorker } from './test/helpers/run-bin.ts';",
        "export { makeTmuxSocket } from './test/helpers/tmux-server.ts';",
        "export { waitFor } from './test/helpers/wait-for.ts';",
        "export { runAfterTestCleanups } from './test/helpers/after-test.ts';",
        "export { resolveSettings } from './src/core/settings.ts';",
        "export { runMonitorLoop } from './src/manager/monitor-loop.ts';",
        "export { managerContextFor, openPool } from './src/manager/pool.ts';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    // The postgres migrations are imported as `file.sql?raw` (vite's form): their text.
    plugins: [
      {
        name: 'raw',
        setup(plugin) {
          plugin.onResolve({ filter: /\?raw$/ }, (args) => ({ path: join(args.resolveDir, args.path.slice(0, -4)), namespace: 'raw' }));
          plugin.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({ contents: readFileSync(args.path, 'utf8'), loader: 'text' }));
          // requires.ts (re-exported by the worker harness) registers tests; outside vitest there are none.
          plugin.onResolve({ filter: /^vitest$/ }, () => ({ path: 'vitest', namespace: 'no-vitest' }));
          plugin.onLoad({ filter: /.*/, namespace: 'no-vitest' }, () => ({
            contents:
              'const none = () => undefined; export { none as describe, none as it, none as afterAll, none as beforeAll, none as afterEach };',
            loader: 'js',
          }));
        },
      },
    ],
    outfile: bundle,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });

  return import(pathToFileURL(bundle).href);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted, q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];

const issues = [{ number: 1, title: 'Parent' }];
for (let index = 0; index < TRIALS; index += 1) issues.push({ number: index + 2, title: `Sub ${index + 2}`, parent: 1 });

let controller;
let manager;
let worker;
let runAfterTestCleanups;
try {
  const helpers = await loadHelpers();
  runAfterTestCleanups = helpers.runAfterTestCleanups;
  const {
    makeGithubWorkerBench,
    finishedRecord,
    spawnWorker,
    makeTmuxSocket,
    waitFor,
    resolveSettings,
    runMonitorLoop,
    managerContextFor,
    openPool,
  } = helpers;
  const bench = await makeGithubWorkerBench(issues, { PR_POLL_INTERVAL: INTERVAL_S });
  const paths = bench.worker.paths;
  const settings = resolveSettings({}, { ...bench.env, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool' });
  const context = managerContextFor(
    { paths, settings, now: () => new Date(), env: bench.env },
    { workerBin: '/bin/true', cwd: bench.worker.repo },
  );
  const log = () => (existsSync(paths.managerLog) ? readFileSync(paths.managerLog, 'utf8') : '');
  if ((await bench.queue(['add-issues', '1'])).exitCode !== 0) throw new Error('add-issues failed');
  controller = new AbortController();
  manager = runMonitorLoop(context, openPool(context), { signal: controller.signal });
  worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
  await finishedRecord(bench, TRIALS, String(TRIALS + 1));
  const pulls = new Map(bench.history().map((record) => [record.task_id, record.pr_number]));
  // Every pull request has a check running, and the watcher has seen it so (looked at every interval / 2).
  const checks = new Map();
  for (const [task, pr] of pulls) checks.set(task, bench.github.api.addCheckRun(pr, { name: 'unit tests', status: 'in_progress' }));
  for (const [task, pr] of pulls)
    await waitFor(
      () =>
        log().includes(`Pull request #${pr} of task ${task}: open -> open, checks pending`) ||
        log().includes(`Following pull request #${pr} of task ${task}: open, checks pending`),
      {
        timeoutMs: 4 * Number(INTERVAL_S) * 1000,
        what: `pull request #${pr} followed with its check running`,
      },
    );

  const latencies = [];
  const queued = [];
  for (const [task, pr] of pulls) {
    await sleep(Math.random() * (Number(INTERVAL_S) * 500));
    const red = Date.now();
    bench.github.api.changeCheckRun(checks.get(task), {
      status: 'completed',
      conclusion: 'failure',
      title: 'add() returns 3',
      log: 'FAIL add.test.ts\nexpected 2, got 3',
      onRerun: false,
    });
    // Polled every 50 ms: when the watcher queued the follow-up (its log), when the agent started (the fake agent's log).
    let queuedAt;
    await waitFor(
      () => {
        if (queuedAt === undefined && log().includes(`Pull request #${pr}: queued fix-ci follow-up`)) queuedAt = Date.now();
        return bench.runsOf(task) >= 2;
      },
      { timeoutMs: 4 * Number(INTERVAL_S) * 1000 + 60_000, intervalMs: 50, what: `the fix-ci agent of #${pr}` },
    );
    const started = bench.worker
      .starts()
      .filter((start) => start.task === task)
      .at(-1).at;
    latencies.push(started - red);
    queued.push((queuedAt ?? started) - red);
    console.log(
      `trial ${latencies.length}: pull request #${pr}: red -> follow-up queued ${((queuedAt - red) / 1000).toFixed(1)} s -> fix-ci agent started ${((started - red) / 1000).toFixed(1)} s`,
    );
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const queuedSorted = [...queued].sort((a, b) => a - b);
  console.log(
    `check red -> follow-up queued by the watcher: median ${(quantile(queuedSorted, 0.5) / 1000).toFixed(1)} s, p90 ${(quantile(queuedSorted, 0.9) / 1000).toFixed(1)} s`,
  );
  console.log(
    `check red -> fix-ci follow-up's agent started, PR_POLL_INTERVAL ${INTERVAL_S} s, ${TRIALS} trials: median ${(quantile(sorted, 0.5) / 1000).toFixed(1)} s, p90 ${(quantile(sorted, 0.9) / 1000).toFixed(1)} s, max ${(sorted.at(-1) / 1000).toFixed(1)} s`,
  );
} finally {
  worker?.kill('SIGTERM');
  await worker?.catch(() => undefined);
  controller?.abort();
  await manager;
  await runAfterTestCleanups?.();
  rmSync(bundle, { force: true });
}
