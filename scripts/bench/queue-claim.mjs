// Queue benchmarks, per backend (embedded always; pueue when installed, on an isolated daemon;
// postgres when PostgreSQL 15 is installed, on a private cluster through its socket directory):
//  1. claim latency p50/p99 and claims/s with 8 concurrent claimer processes draining 400 tasks;
//  2. time from `worker-queue add` (the built binary) to the claim by an idle claimer polling
//     every POLL_MS (the worker's idle poll).
// Run: npm run build && node scripts/bench/queue-claim.mjs
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresInstalled, withPostgresDatabase } from './postgres-cluster.mjs';
import { openQueue as open, pueueOnPath, withPueueDaemon } from './queue-common.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLAIMERS = 8;
const TASKS = 400;
const POLL_MS = 250;
const ADD_TRIALS = 7;

const work = mkdtempSync(join(tmpdir(), 'hw-bench-queue-'));

/** Child modes: `drain` claims and finishes until empty, printing each claim's latency in ms; `poll` waits for one task. */
async function child(mode, lib, config) {
  const backend = await open(lib, config);
  if (mode === 'drain') {
    const latencies = [];
    for (;;) {
      const started = performance.now();
      const task = await backend.claim(config.workerId);
      latencies.push(performance.now() - started);
      if (!task) break;
      await backend.finish(task.id, { status: 'done' });
    }
    process.stdout.write(JSON.stringify(latencies.slice(0, -1)));
    return;
  }
  process.stdout.write('ready\n');
  for (;;) {
    const task = await backend.claim(config.workerId);
    if (task) {
      process.stdout.write(`${Date.now()}\n`);
      await backend.finish(task.id, { status: 'done' });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Starts a child; `done` resolves to its stdout, `output` fires on each chunk. */
function runChild(mode, lib, config) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, lib, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk) => {
    out += chunk;
    proc.emit('output', out);
  });
  const done = new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child ${mode} exited ${code}`))));
  });
  return { proc, done };
}

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (values) => percentile(values, 50);

async function claimThroughput(lib, config) {
  const backend = await open(lib, config);
  for (let batch = 0; batch < TASKS / 10; batch += 1) {
    await Promise.all(
      Array.from({ length: 10 }, (_u, index) =>
        backend.add({ subissue: String(batch * 10 + index + 1), parent: '1', priority: 1 + (index % 5) }),
      ),
    );
  }
  const started = performance.now();
  const outputs = await Promise.all(
    Array.from({ length: CLAIMERS }, (_u, index) => runChild('drain', lib, { ...config, workerId: index + 1 }).done),
  );
  const seconds = (performance.now() - started) / 1000;
  const latencies = outputs.flatMap((out) => JSON.parse(out));
  return {
    claims: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: latencies.length / seconds,
  };
}

async function addToClaim(lib, config) {
  const delays = [];
  const env = {
    ...process.env,
    CLAUDE_WORKERS_HOME: config.root,
    WORKER_BACKEND: config.backend,
    PUEUE_GROUP: config.group,
    ...(config.pueueConfigPath ? { PUEUE_CONFIG_PATH: config.pueueConfigPath } : {}),
  };
  for (let trial = 0; trial < ADD_TRIALS; trial += 1) {
    const { proc, done } = runChild('poll', lib, { ...config, workerId: 100 + trial });
    await new Promise((resolve) => proc.on('output', (out) => out.includes('ready') && resolve()));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 2));
    const before = Date.now();
    execFileSync(process.execPath, [join(ROOT, 'bin/worker-queue.js'), 'add', '1', '2', String(9000 + trial)], { env, stdio: 'ignore' });
    const claimedAt = Number((await done).split('\n').filter(Boolean).at(-1));
    delays.push(claimedAt - before);
  }
  return { median: median(delays), min: Math.min(...delays), max: Math.max(...delays) };
}

async function benchmark() {
  if (!existsSync(join(ROOT, 'dist/worker-queue.cjs'))) throw new Error('run npm run build first');
  // The library entry of the build, so the numbers are for the code in this tree.
  const lib = join(ROOT, 'dist', 'index.js');
  const backends = ['embedded', ...(pueueOnPath ? ['pueue'] : []), ...(postgresInstalled ? ['postgres'] : [])];
  for (const backend of backends) {
    const runBench = async (pueueConfigPath) => {
      const base = { backend, ...(pueueConfigPath ? { pueueConfigPath } : {}) };
      // One data root per Pueue group: the claim records live in the data root.
      const claims = await claimThroughput(lib, { ...base, group: 'bench-claims', root: mkdtempSync(join(work, 'claims-')) });
      console.log(
        `${backend}: ${claims.claims} claims by ${CLAIMERS} processes: p50 ${claims.p50.toFixed(1)} ms, p99 ${claims.p99.toFixed(1)} ms, ${claims.perSecond.toFixed(1)} claims/s`,
      );
      const add = await addToClaim(lib, { ...base, group: 'bench-add', root: mkdtempSync(join(work, 'add-')) });
      console.log(
        `${backend}: worker-queue add -> claim by an idle claimer polling every ${POLL_MS} ms: median ${add.median} ms (min ${add.min}, max ${add.max}, ${ADD_TRIALS} trials)`,
      );
    };
    if (backend === 'pueue') await withPueueDaemon(runBench);
    else if (backend === 'postgres') await withPostgresDatabase(lib, () => runBench(undefined));
    else await runBench(undefined);
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], JSON.parse(process.argv[5]));
} else {
  try {
    await benchmark();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
