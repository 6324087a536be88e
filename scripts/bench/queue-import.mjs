// `worker-queue import` wall time (the built binary), per backend: LINES lines of a shell-era
// queue.txt into an empty queue, RUNS times, median. The embedded queue takes them in one locked
// write; Pueue takes one `pueue add` per task (on an isolated daemon, PUEUE_LINES lines).
// Usage: npm run build && node scripts/bench/queue-import.mjs [LINES=20000] [RUNS=5] [PUEUE_LINES=200]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const [lines = 20_000, runs = 5, pueueLines = 200] = process.argv.slice(2).map(Number);

const queueTxt = (count) =>
  `${Array.from({ length: count }, (_, index) => `2|7|${900_000 + index}|pending||2026-01-01T00:00:00Z`).join('\n')}\n`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function importOnce(count, env) {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-import-'));
  try {
    const source = join(home, 'queue.txt');
    writeFileSync(source, queueTxt(count));
    const started = performance.now();
    const out = execFileSync(process.execPath, [join(ROOT, 'bin/worker-queue.js'), 'import', source], {
      env: { ...process.env, CLAUDE_WORKERS_HOME: home, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ms = performance.now() - started;
    if (!out.includes(`Imported ${count} task(s)`)) throw new Error(`unexpected output: ${out}`);
    if (env.WORKER_BACKEND === 'embedded') {
      const queued = JSON.parse(readFileSync(join(home, 'queue', 'embedded-queue.json'), 'utf8')).tasks.length;
      if (queued !== count) throw new Error(`${queued} of ${count} tasks queued`);
    }
    return ms;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function report(name, count, times) {
  const perTask = median(times) / count;
  console.log(
    `${name}: ${count} lines, ${times.length} runs: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), ${(perTask * 1000).toFixed(0)} µs per task`,
  );
}

if (!existsSync(join(ROOT, 'dist/worker-queue.cjs'))) throw new Error('run npm run build first');
report(
  'embedded',
  lines,
  Array.from({ length: runs }, () => importOnce(lines, { WORKER_BACKEND: 'embedded' })),
);

let pueueOnPath = true;
try {
  execFileSync('pueue', ['--version'], { stdio: 'ignore' });
} catch {
  pueueOnPath = false;
}
if (pueueOnPath && pueueLines > 0) {
  const { writeIsolatedPueueConfig } = await import(join(ROOT, 'dist', 'index.js'));
  const dir = mkdtempSync('/tmp/pqi-');
  const configPath = writeIsolatedPueueConfig(dir);
  try {
    // The first import starts the daemon; it is not timed.
    importOnce(1, { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: configPath, PUEUE_GROUP: 'warmup' });
    const times = Array.from({ length: Math.min(runs, 3) }, (_, index) =>
      importOnce(pueueLines, { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: configPath, PUEUE_GROUP: `bench${index}` }),
    );
    report('pueue', pueueLines, times);
  } finally {
    execFileSync('pueue', ['-c', configPath, 'shutdown'], { stdio: 'ignore' });
    // The daemon writes its state as it exits, after `shutdown` has returned; its pid file goes last.
    for (let tries = 0; tries < 100 && existsSync(join(dir, 'pueue.pid')); tries += 1) await new Promise((r) => setTimeout(r, 100));
    await new Promise((resolve) => setTimeout(resolve, 200));
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
