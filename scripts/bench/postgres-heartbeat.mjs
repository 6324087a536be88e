// Heartbeat write latency through the postgres health store (issue 17): 64 simulated workers over
// 4 host names (one process per host, each worker with its own store and connection, as separate
// worker processes would have), against a private PostgreSQL cluster. Each worker beats on a fixed
// schedule, at the default 5 s interval and at 0.1 s, for DURATION_S seconds per interval. Prints
// p50/p99/max of one heartbeat (one INSERT ... ON CONFLICT DO UPDATE statement) and checks that
// every worker's row holds its last beat. Needs root (initdb runs as the postgres user).
// Usage: npm run build && node scripts/bench/postgres-heartbeat.mjs [DURATION_S] [WORKERS] [HOSTS]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPostgresDatabase } from './postgres-cluster.mjs';
import { quantile } from './worker-common.mjs';

const [durationS = 30, workers = 64, hosts = 4] = process.argv
  .slice(2)
  .filter((arg) => arg !== '--child')
  .map(Number);
const INTERVALS_MS = [5000, 100];

async function simulate({ url, host, count, periodMs, durationMs }) {
  const { dataPaths, DEFAULT_SETTINGS, openFleetStores } = await import('../../dist/index.js');
  const root = mkdtempSync(join(tmpdir(), `hw-bench-pg-${host}-`));
  const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'postgres', WORKER_HOST: host };
  // A URL of its own per worker (application_name), so each gets its own pool, as a worker process does.
  const stores = Array.from({ length: count }, (_, index) =>
    openFleetStores({ paths: dataPaths(root), settings, env: { WORKERS_DATABASE_URL: `${url}&application_name=${host}-${index + 1}` } }),
  );
  // Connected and the schema checked before timing starts, as a running worker's store is.
  await Promise.all(stores.map((store, index) => store.health.heartbeat(index + 1, { status: 'starting' })));
  const latencies = [];
  const deadline = Date.now() + durationMs;
  const beat = (index) =>
    new Promise((resolve) => {
      let seq = 0;
      const inFlight = new Set();
      const tick = () => {
        if (Date.now() >= deadline) {
          clearInterval(timer);
          void Promise.all(inFlight).then(() => resolve(seq));
          return;
        }
        seq += 1;
        const started = performance.now();
        const write = stores[index].health
          .heartbeat(index + 1, { status: 'working', task: `seq-${seq}` })
          .then(() => latencies.push(performance.now() - started));
        inFlight.add(write);
        void write.finally(() => inFlight.delete(write));
      };
      const timer = setInterval(tick, periodMs);
      tick();
    });
  // Starts staggered over one period, as independent workers would be.
  const finals = await Promise.all(
    stores.map((_, index) => new Promise((resolve) => setTimeout(resolve, (index * periodMs) / count)).then(() => beat(index))),
  );
  const fleet = await stores[0].health.readFleet();
  const lost = finals.filter((seq, index) => fleet.workers[`${host}/${index + 1}`]?.current_task !== `seq-${seq}`).length;
  await Promise.all(stores.map((store) => store.close()));
  rmSync(root, { recursive: true, force: true });
  return { latencies, lost };
}

if (process.argv[2] === '--child') {
  process.on('message', async (job) => process.send(await simulate(job)));
} else {
  await withPostgresDatabase('../../dist/index.js', async (url) => {
    const script = fileURLToPath(import.meta.url);
    const perHost = Math.ceil(workers / hosts);
    console.log(`${workers} workers over ${hosts} hosts, ${durationS} s per interval, one connection per worker`);
    console.log('interval   heartbeats   p50 ms   p99 ms   max ms   lost');
    for (const periodMs of INTERVALS_MS) {
      const results = await Promise.all(
        Array.from({ length: hosts }, (_, index) => {
          const child = fork(script, ['--child']);
          const count = Math.min(perHost, workers - index * perHost);
          child.send({ url, host: `host-${index + 1}`, count, periodMs, durationMs: durationS * 1000 });
          return new Promise((resolve) => child.once('message', (message) => (child.kill(), resolve(message))));
        }),
      );
      const latencies = results.flatMap((result) => result.latencies).sort((a, b) => a - b);
      const lost = results.reduce((sum, result) => sum + result.lost, 0);
      const row = [`${periodMs / 1000} s`.padEnd(8), String(latencies.length).padStart(12)];
      for (const value of [quantile(latencies, 0.5), quantile(latencies, 0.99), latencies.at(-1)]) row.push(value.toFixed(2).padStart(8));
      console.log(`${row.join(' ')} ${String(lost).padStart(6)}`);
    }
  });
}
