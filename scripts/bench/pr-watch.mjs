// The pull-request watcher's cost when nothing changes (issue 26, docs/SPEC.md section 14.1): 100
// open pull requests of the pool followed for an hour of a fake clock at the default
// PR_POLL_INTERVAL (30 s), against the scripted GitHub REST server of the tests. Counts the
// requests sent and how many counted against the rate limit (every answer but a 304). The
// watcher's own code runs (watchRound with its JSON store); only the transport is plain HTTP
// instead of one gh process per request, so an hour takes seconds. Two cases: pull requests
// active in the last hour (looked at every interval) and quiet ones (updated 3 h before: backed off).
// Run: node scripts/bench/pr-watch.mjs [pulls]
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PULLS = Number(process.argv[2] ?? 100);
const INTERVAL_MS = 30_000;
const HOUR_MS = 3_600_000;

const out = mkdtempSync(join(tmpdir(), 'hw-bench-prwatch-'));
// One bundle (zod included), so the bench runs from a temporary directory.
await build({
  stdin: {
    contents: [
      "export { openPullWatchStore, watchRound } from './src/github/pull-request-watcher.ts';",
      "export { pullDetailSchema, reviewSchema, checkRunListSchema, commitStatusSchema } from './src/adapters/github/rest-resources.ts';",
      "export { FileTaskHistory } from './src/history/task-history-store.ts';",
      "export { startGithubApi } from './test/helpers/github-api/server.ts';",
      "export { z } from 'zod';",
    ].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  outfile: join(out, 'bench.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
const {
  openPullWatchStore,
  watchRound,
  pullDetailSchema,
  reviewSchema,
  checkRunListSchema,
  commitStatusSchema,
  FileTaskHistory,
  startGithubApi,
  z,
} = await import(pathToFileURL(join(out, 'bench.js')).href);

/** The watcher's four reads over plain HTTP, with If-None-Match as gh sends it. */
function httpReader(api, repo) {
  const get = async (path, etag, parse) => {
    const response = await fetch(`${api.proxyUrl}/${path}`, {
      headers: { authorization: 'token gh-scripted-token', ...(etag === undefined ? {} : { 'if-none-match': etag }) },
    });
    if (response.status === 304) return { notModified: true, etag, data: undefined };
    if (response.status !== 200) throw new Error(`HTTP ${response.status} for ${path}`);
    return { notModified: false, etag: response.headers.get('etag') ?? undefined, data: parse(await response.json()) };
  };
  return {
    pull: (number, etag) => get(`repos/${repo}/pulls/${number}`, etag, (body) => pullDetailSchema.parse(body)),
    reviews: (number, etag) => get(`repos/${repo}/pulls/${number}/reviews?per_page=100`, etag, (body) => z.array(reviewSchema).parse(body)),
    checkRuns: (sha, etag) =>
      get(`repos/${repo}/commits/${sha}/check-runs?per_page=100`, etag, (body) => checkRunListSchema.parse(body.check_runs)),
    statuses: (sha, etag) =>
      get(`repos/${repo}/commits/${sha}/status?per_page=100`, etag, (body) => z.array(commitStatusSchema).parse(body.statuses)),
  };
}

async function simulate(label, startOffsetMs) {
  const api = await startGithubApi();
  const dir = mkdtempSync(join(out, 'root-'));
  const lines = [];
  for (let index = 0; index < PULLS; index += 1) {
    const pull = api.openPull({ head: `subissue/1-${index + 2}` });
    api.addCheckRun(pull.number, { name: 'unit tests' });
    api.addReview(pull.number, { login: 'maintainer', state: 'COMMENTED', association: 'OWNER' });
    lines.push(
      JSON.stringify({
        version: 1,
        task_id: String(index + 2),
        parent: '1',
        worker_id: 1,
        attempts: 1,
        started_at: '2030-01-01T00:00:00Z',
        ended_at: '2030-01-01T00:01:00Z',
        result: 'success',
        error_class: null,
        pr_number: pull.number,
        pr_url: `https://github.localhost/octo/widgets/pull/${pull.number}`,
      }),
    );
  }
  mkdirSync(join(dir, 'history'));
  writeFileSync(join(dir, 'history', 'tasks.jsonl'), `${lines.join('\n')}\n`);
  const start = Date.parse('2030-01-01T00:00:00Z') + startOffsetMs;
  let now = start;
  const deps = {
    repo: 'octo/widgets',
    reader: httpReader(api, 'octo/widgets'),
    store: openPullWatchStore({ root: dir }),
    history: new FileTaskHistory(join(dir, 'history', 'tasks.jsonl')),
    now: () => new Date(now),
    intervalMs: INTERVAL_MS,
    concurrency: 3,
  };
  let rounds = 0;
  const wall = performance.now();
  while (now < start + HOUR_MS) {
    const result = await watchRound(deps);
    rounds += 1;
    // As the manager: the next round when a look falls due, and at least every interval.
    now = Math.min(result.nextDueAt ?? Number.POSITIVE_INFINITY, now + INTERVAL_MS);
  }
  const sent = api.requests.length;
  const counted = api.rateLimitUsed();
  await api.close();
  console.log(
    `${label}: ${PULLS} pull requests, 1 h at PR_POLL_INTERVAL 30 s: ${rounds} rounds, ${sent} requests sent, ${counted} counted against the rate limit (${sent - counted} were 304), first look ${PULLS * 4} requests; ${((performance.now() - wall) / 1000).toFixed(1)} s of wall time`,
  );
}

try {
  await simulate('active (changed in the last hour)', 100_000);
  await simulate('quiet (last change 3 h before)', 3 * HOUR_MS);
} finally {
  rmSync(out, { recursive: true, force: true });
}
