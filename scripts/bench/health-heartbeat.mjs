// In-process heartbeat latency: WORKERS simulated workers (default 64) each write a heartbeat every
// 100 ms for DURATION seconds (default 30) through the library API, spread over PROCESSES processes
// (default 1; more adds cross-process lock contention). Prints p50/p99 latency of one heartbeat and
// the lost updates (a worker whose final record is not its last beat, or missing completions).
// Usage: npm run build && node scripts/bench/health-heartbeat.mjs [WORKERS] [DURATION_S] [PROCESSES]
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [workers = 64, durationS = 30, processes = 1] = process.argv.slice(2).map(Number);
const PERIOD_MS = 100;

async function simulate(root, firstId, count, durationMs) {
  const { HealthService, dataPaths, DEFAULT_SETTINGS } = await import('../../dist/index.js');
  const service = new HealthService({ paths: dataPaths(root), settings: DEFAULT_SETTINGS });
  const latencies = [];
  // How late each tick came against its period: a busy event loop would delay beats before they
  // start, which the write latency alone would not show.
  const tickDelays = [];
  const deadline = Date.now() + durationMs;
  // Like the worker's Heartbeat, each simulated worker beats on a fixed schedule (setInterval),
  // whether or not its previous beat has finished.
  const beat = (id) =>
    new Promise((resolve) => {
      let seq = 0;
      let lastTick;
      const inFlight = new Set();
      const tick = () => {
        const now = performance.now();
        if (lastTick !== undefined) tickDelays.push(Math.max(0, now - lastTick - PERIOD_MS));
        lastTick = now;
        if (Date.now() >= deadline) {
          clearInterval(timer);
          void Promise.all(inFlight).then(() => resolve({ id, seq }));
          return;
        }
        seq += 1;
        const number = seq;
        const started = performance.now();
        // Every tenth beat also counts a completion, so totals show lost read-modify-writes.
        const write = service
          .heartbeat(id, { status: 'working', task: `seq-${number}` })
          .then(() => latencies.push(performance.now() - started))
          .then(() => (number % 10 === 0 ? service.complete(id, true) : undefined));
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write));
      };
      const timer = setInterval(tick, PERIOD_MS);
      tick();
    });
  // Stagger the starts over one period, as independent workers would be.
  const runs = [];
  for (let index = 0; index < count; index += 1) {
    runs.push(new Promise((resolve) => setTimeout(resolve, (index * PERIOD_MS) / count)).then(() => beat(firstId + index)));
  }
  return { latencies, tickDelays, finals: await Promise.all(runs) };
}

if (process.argv[2] === '--child') {
  process.on('message', async ({ root, firstId, count, durationMs }) => {
    process.send(await simulate(root, firstId, count, durationMs));
  });
} else {
  const root = mkdtempSync(join(tmpdir(), 'hw-bench-heartbeat-'));
  const perProcess = Math.ceil(workers / processes);
  const script = fileURLToPath(import.meta.url);
  const results = await Promise.all(
    Array.from({ length: processes }, (_, index) => {
      const child = fork(script, ['--child']);
      const count = Math.min(perProcess, workers - index * perProcess);
      child.send({ root, firstId: index * perProcess + 1, count, durationMs: durationS * 1000 });
      return new Promise((resolve) =>
        child.once('message', (message) => {
          child.kill();
          resolve(message);
        }),
      );
    }),
  );
  const latencies = results.flatMap((result) => result.latencies).sort((a, b) => a - b);
  const tickDelays = results.flatMap((result) => result.tickDelays).sort((a, b) => a - b);
  const finals = results.flatMap((result) => result.finals);
  const metrics = JSON.parse(readFileSync(join(root, 'health', 'metrics.json'), 'utf8'));
  const lostBeats = finals.filter(({ id, seq }) => metrics.workers[id]?.current_task !== `seq-${seq}`).length;
  const expectedCompletions = finals.reduce((sum, { seq }) => sum + Math.floor(seq / 10), 0);
  const lostCompletions = expectedCompletions - metrics.stats.total_tasks;
  const pct = (p, values = latencies) => values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))].toFixed(2);
  console.log(
    `${workers} workers, ${processes} process(es), ${durationS} s: ${latencies.length} heartbeats, ` +
      `p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1).toFixed(2)} ms; ` +
      `timer delay p99 ${pct(99, tickDelays)} ms; ` +
      `lost updates: ${lostBeats} final heartbeats, ${lostCompletions} completions (target 0, p99 < 5 ms)`,
  );
  rmSync(root, { recursive: true, force: true });
}
