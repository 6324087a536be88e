// Shared by the worker-performance benchmarks: a data root with 64 workers and a synthetic
// history, and the two measures (hyperfine wall/CPU time, peak RSS). Needs a build and hyperfine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'worker-performance.js');
export const WORKERS = 64;
export const NOW = Date.now();
const DAY_MS = 86_400_000;
const RESULTS = ['success', 'success', 'success', 'success', 'review', 'failed'];
const ERRORS = ['timeout', 'git_error', 'agent_error'];
// The embedded queue (empty here) keeps the benchmark off any Pueue daemon of the user.
const benchEnv = (home) => ({ ...process.env, CLAUDE_WORKERS_HOME: home, NO_COLOR: '1', WORKER_BACKEND: 'embedded' });
// Prints the process's peak resident set size when it exits (no /usr/bin/time needed).
const MAXRSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;

function metricsFile() {
  const workers = {};
  for (let id = 1; id <= WORKERS; id += 1) {
    workers[id] = {
      last_heartbeat: new Date(NOW - 2000).toISOString(),
      status: id % 4 === 0 ? 'idle' : 'working',
      current_task: id % 4 === 0 ? 'none' : String(50_000 + id),
      started_at: new Date(NOW - DAY_MS).toISOString(),
      tasks_completed: 1000 + id,
      tasks_failed: id,
      restarts: id % 5,
      task_started_at: id % 4 === 0 ? null : new Date(NOW - 60_000 * id).toISOString(),
    };
  }
  return JSON.stringify({ version: 1, workers, stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 } });
}

/** Records spread over the last `days` days, oldest first, as workers append them: { ended_at, line }. */
export function historyRecords(records, days) {
  const out = [];
  const span = days * DAY_MS;
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
    out.push({ ended_at: record.ended_at, line: JSON.stringify(record) });
  }
  return out;
}

/** A temp data root with the metrics file and the given history files ({ 'tasks.jsonl': lines, ... }). */
export function makeDataRoot(label, files) {
  const home = mkdtempSync(join(tmpdir(), `hw-perf-bench-${label}-`));
  mkdirSync(join(home, 'health'), { recursive: true });
  mkdirSync(join(home, 'history'), { recursive: true });
  writeFileSync(join(home, 'health', 'metrics.json'), metricsFile());
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(home, 'history', name), `${lines.join('\n')}\n`);
  return home;
}

export function maxRssMb(home, args) {
  const run = spawnSync(process.execPath, ['--import', MAXRSS_HOOK, bin, ...args], {
    env: benchEnv(home),
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  return Number(/maxrss_kb=(\d+)/.exec(run.stderr)[1]) / 1024;
}

/** Median wall time and mean CPU time (user + system, the steadier figure on a busy machine) per command, in ms. */
export function hyperfine(home, commands) {
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
  return JSON.parse(readFileSync(out, 'utf8')).results.map((result) => ({
    wall: result.median * 1000,
    cpu: (result.user + result.system) * 1000,
  }));
}
