// The pool's reaction time to a usage limit: 4 workers in one process on one data root (embedded
// queue); worker 1's agent reports a usage limit (reset 10 minutes ahead), the other 3 are idle,
// polling the queue. Measured from the moment the agent's verdict is known to (1) the pause being
// in state/usage-pause.json and (2) every worker having reported the pause (and stopped claiming).
// The runs are real (a `node` process per attempt); only the verdict is scripted.
// Run: node scripts/bench/claude-pause.mjs [rounds]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 7);
const WORKERS = 4;

const out = mkdtempSync(join(tmpdir(), 'hw-bench-pause-'));
const entry = join(out, 'entry.ts');
writeFileSync(
  entry,
  [
    `export { runWorker } from ${JSON.stringify(join(root, 'src/worker/worker-loop.ts'))};`,
    `export { WorkerControl, drainFile } from ${JSON.stringify(join(root, 'src/worker/control.ts'))};`,
    `export { HealthService } from ${JSON.stringify(join(root, 'src/health/health-service.ts'))};`,
    `export { openQueueBackend } from ${JSON.stringify(join(root, 'src/queue/open-backend.ts'))};`,
    `export { dataPaths } from ${JSON.stringify(join(root, 'src/core/paths.ts'))};`,
    `export { resolveSettings } from ${JSON.stringify(join(root, 'src/core/settings.ts'))};`,
    `export { UsagePause } from ${JSON.stringify(join(root, 'src/pause/usage-pause.ts'))};`,
  ].join('\n'),
);
await build({
  entryPoints: [entry],
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // The postgres migrations, imported as their text (as scripts/build.mjs does).
  loader: { '.sql': 'text' },
  // CommonJS dependencies bundled into ESM still call require().
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
});
const lib = await import(pathToFileURL(join(out, 'entry.js')).href);

const git = (cwd, ...args) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function round(index) {
  const home = join(out, `round-${index}`);
  const repo = join(home, 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'initial');
  const paths = lib.dataPaths(join(home, 'data'));
  const settings = lib.resolveSettings({}, { WORKER_BACKEND: 'embedded', HEARTBEAT_INTERVAL: '1', USAGE_PAUSE_JITTER: '0' });
  const { backend } = await lib.openQueueBackend({ paths, settings, env: process.env });
  const health = new lib.HealthService({ paths, settings });
  let verdictAt = 0;
  const agent = {
    name: 'bench',
    prepare: (facts, options) => ({
      run: { argv: [process.execPath, '-e', ''], cwd: facts.worktree, env: {}, outputFile: options.outputFile },
    }),
    interpret: async () => {
      verdictAt = performance.now();
      return {
        kind: 'failed',
        errorClass: 'usage_limit',
        message: 'usage limit',
        retry: true,
        resetsAt: new Date(Date.now() + 600_000).toISOString(),
        limitType: 'five_hour',
      };
    },
  };
  const pausedAt = new Map();
  const workers = [];
  for (let id = 1; id <= WORKERS; id += 1) {
    const control = new lib.WorkerControl(lib.drainFile(paths, id));
    const say = (line) => {
      if (/dispatch paused/.test(line) && !pausedAt.has(id)) pausedAt.set(id, performance.now());
    };
    const done = lib.runWorker({
      workerId: id,
      repo,
      baseBranch: 'main',
      backend,
      agent,
      paths,
      settings,
      health,
      control,
      now: () => new Date(),
      random: Math.random,
      say,
      ghReady: false,
    });
    workers.push({ control, done });
  }
  await sleep(500);
  const pause = new lib.UsagePause({ paths, now: () => new Date(), random: Math.random, jitterMaxMs: 0 });
  await backend.add({ subissue: String(100 + index), parent: '1', priority: 1 });
  let stored = 0;
  while (pausedAt.size < WORKERS) {
    if (!stored && verdictAt && (await pause.current())) stored = performance.now();
    await sleep(2);
  }
  if (!stored) stored = Math.min(...pausedAt.values());
  for (const worker of workers) worker.control.requestStop();
  await Promise.all(workers.map((worker) => worker.done));
  return { stored: stored - verdictAt, all: Math.max(...pausedAt.values()) - verdictAt };
}

const results = [];
for (let index = 0; index < ROUNDS; index += 1) results.push(await round(index));
rmSync(out, { recursive: true, force: true });
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(`usage limit on worker 1 -> pool paused (${WORKERS} workers, ${ROUNDS} rounds)`);
console.log(
  `  pause stored:          median ${fmt(median(results.map((r) => r.stored)))}, max ${fmt(Math.max(...results.map((r) => r.stored)))}`,
);
console.log(
  `  every worker paused:   median ${fmt(median(results.map((r) => r.all)))}, max ${fmt(Math.max(...results.map((r) => r.all)))}`,
);
