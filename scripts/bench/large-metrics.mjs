// Read-side commands over a metrics.json of many workers (the built binaries): `worker-health-monitor
// report`, `worker-health-monitor dashboard` (one frame, stdout not a terminal), `worker-performance
// report`, and `check 1`, each RUNS times per size, median wall time; `node -e 0` for scale.
// Usage: npm run build && node scripts/bench/large-metrics.mjs [RUNS=5] [SIZES=9999,150000]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const sizes = (process.argv[3] ?? '9999,150000').split(',').map(Number);
const COMMANDS = [
  ['worker-health-monitor', 'report'],
  ['worker-health-monitor', 'dashboard'],
  ['worker-performance', 'report'],
  ['worker-health-monitor', 'check', '1'],
];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function writeMetrics(home, count) {
  const now = Date.now();
  const workers = {};
  for (let id = 1; id <= count; id += 1) {
    const busy = id % 3 !== 0;
    workers[id] = {
      last_heartbeat: new Date(now - (id % 50) * 1000).toISOString(),
      status: busy ? 'working' : 'idle',
      current_task: busy ? String(1000 + id) : 'none',
      started_at: new Date(now - 3_600_000).toISOString(),
      tasks_completed: id % 7,
      tasks_failed: id % 2,
      restarts: 0,
      task_started_at: busy ? new Date(now - 60_000).toISOString() : null,
      pid: 100_000 + id,
    };
  }
  mkdirSync(join(home, 'health'), { recursive: true });
  writeFileSync(
    join(home, 'health', 'metrics.json'),
    JSON.stringify({ version: 1, workers, stats: { total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 } }),
  );
}

function timeRun(args, env) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  if (result.status !== 0 && !args.includes('check')) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

console.log(`node -e 0: median ${median(Array.from({ length: runs }, () => timeRun(['-e', '0'], {}))).toFixed(0)} ms`);
for (const size of sizes) {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-metrics-'));
  try {
    writeMetrics(home, size);
    const env = { CLAUDE_WORKERS_HOME: home, WORKER_BACKEND: 'embedded', NO_COLOR: '1' };
    for (const [bin, ...args] of COMMANDS) {
      const times = Array.from({ length: runs }, () => timeRun([join(ROOT, 'bin', `${bin}.js`), ...args], env));
      console.log(
        `${size} workers: ${bin} ${args.join(' ')}: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
      );
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
