// Measures `worker-performance report --json` and `export --format prom` on a data root with 64
// workers and 100,000 history records (and 10,000, to show memory does not follow history size):
// wall time with hyperfine, peak memory (maxRSS) through a preload hook. Run: node scripts/bench/performance-report.mjs
// Needs a build (npm run build) and hyperfine on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'worker-performance.js');
const WORKERS = 64;
/** History sizes to compare; more can be given as arguments (node ... 10000 100000 300000). */
const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10_000, 100_000];
const NOW = Date.now();
const RESULTS = ['success', 'success', 'success', 'success', 'review', 'failed'];
const ERRORS = ['timeout', 'git_error', 'agent_error'];
// Prints the process's peak resident set size when it exits (no /usr/bin/time needed).
// The embedded queue (empty here) keeps the benchmark off any Pueue daemon of the user.
const benchEnv = (home) => ({ ...process.env, CLAUDE_WORKERS_HOME: home, NO_COLOR: '1', WORKER_BACKEND: 'embedded' });
const MAXRSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;

function metricsFile() {
  const workers = {};
  for (let id = 1; id <= WORKERS; id += 1) {
    workers[id] = {
      last_heartbeat: new Date(NOW - 2000).toISOString(),
      status: id % 4 === 0 ? 'idle' : 'working',
      current_task: id % 4 === 0 ? 'none' : String(50_000 + id),
      started_at: new Date(NOW - 86_400_000).toISOString(),
      tasks_completed: 1000 + id,
      tasks_failed: id,
      restarts: id % 5,
      task_started_at: id % 4 === 0 ? null : new Date(NOW - 60_000 * id).toISOString(),
    };
  }
  return JSON.stringify({ version: 1, workers, stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 } });
}

/** Records spread over the last 30 days, oldest first, as workers append them. */
function historyFile(records) {
  const lines = [];
  const span = 30 * 86_400_000;
  for (let i = 0; i < records; i += 1) {
    const ended = NOW - span + Math.floor((span * i) / records);
    const result = RESULTS[i % RESULTS.length];
    const record = {
      version: 1,
      task_id: String(10_000 + i),
      parent: String(100 + (i % 37)),
      worker_id: 1 + (i % WORKERS),
      attempts: 1 + (i % 3),
      started_at: new Date(ended - 60_000 - (i % 1800) * 1000).toISOString(),
      ended_at: new Date(ended).toISOString(),
      result,
      error_class: result === 'failed' ? ERRORS[i % ERRORS.length] : null,
      backend: 'embedded',
    };
    if (i % 2 === 0)
      Object.assign(record, { cost_usd: 0.05 + (i % 40) / 100, input_tokens: 10_000 + i, output_tokens: 1500, num_turns: 3 + (i % 20) });
    lines.push(JSON.stringify(record));
  }
  return `${lines.join('\n')}\n`;
}

function makeDataRoot(records) {
  const home = mkdtempSync(join(tmpdir(), `hw-perf-bench-${records}-`));
  mkdirSync(join(home, 'health'), { recursive: true });
  mkdirSync(join(home, 'history'), { recursive: true });
  writeFileSync(join(home, 'health', 'metrics.json'), metricsFile());
  writeFileSync(join(home, 'history', 'tasks.jsonl'), historyFile(records));
  return home;
}

function maxRssMb(home, args) {
  const run = spawnSync(process.execPath, ['--import', MAXRSS_HOOK, bin, ...args], {
    env: benchEnv(home),
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  return Number(/maxrss_kb=(\d+)/.exec(run.stderr)[1]) / 1024;
}

function hyperfine(home, commands) {
  const out = join(home, 'hyperfine.json');
  execFileSync(
    'hyperfine',
    [
      '--warmup',
      '2',
      '--runs',
      '10',
      '--style',
      'none',
      '--export-json',
      out,
      ...commands.map((args) => `${process.execPath} ${bin} ${args}`),
    ],
    { env: benchEnv(home), stdio: ['ignore', 'ignore', 'inherit'] },
  );
  // CPU time (user + system) is shown beside wall time: on a busy machine it is the steadier figure.
  return JSON.parse(readFileSync(out, 'utf8')).results.map((result) => ({
    wall: result.median * 1000,
    cpu: (result.user + result.system) * 1000,
  }));
}

const COMMANDS = ['report --json', 'export - --format prom'];
const rows = [];
for (const records of SIZES) {
  const home = makeDataRoot(records);
  try {
    const medians = hyperfine(home, COMMANDS);
    COMMANDS.forEach((command, index) =>
      rows.push({
        records,
        command,
        median_ms: Math.round(medians[index].wall),
        cpu_ms: Math.round(medians[index].cpu),
        max_rss_mb: Math.round(maxRssMb(home, command.split(' '))),
      }),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
console.log(`worker-performance with ${WORKERS} workers (median wall time and mean CPU time of 10 runs, peak RSS of one run)`);
console.table(rows);
for (const command of COMMANDS) {
  const [small, large] = [SIZES[0], SIZES.at(-1)].map((records) => rows.find((row) => row.records === records && row.command === command));
  console.log(
    `${command}: ${large.records / small.records}x the records -> time x${(large.median_ms / small.median_ms).toFixed(2)}, CPU x${(large.cpu_ms / small.cpu_ms).toFixed(2)}, peak memory x${(large.max_rss_mb / small.max_rss_mb).toFixed(2)}`,
  );
}
