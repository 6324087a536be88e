// Restart latency of worker-manager with the real worker:
//  1. SIGKILL of a worker -> replacement running, and -> its first heartbeat (default CHECK_INTERVAL:
//     the pane-died hook path). RESTART_MIN_UPTIME=0 so the 10 back-to-back kills are not a crash loop.
//  2. SIGSTOP of a worker -> restarted, with CHECK_INTERVAL=1 and DEAD_WORKER_THRESHOLD=3.
// Usage: node scripts/bench/manager-restart.mjs [runs=10]
import { readFileSync } from 'node:fs';
import { makePool, median, sleep, until } from './manager-pool.mjs';

const runs = Number(process.argv[2] ?? 10);
const ms = (value) => `${value.toFixed(0)} ms`;

async function measure(pool, signal) {
  const before = await until(() => {
    const pane = pool.panes().get(1);
    const worker = pane && !pane.dead ? pool.workerPid(pane.pid) : null;
    return worker && pool.metrics().workers['1']?.pid === worker ? { pane, worker } : null;
  });
  const start = performance.now();
  process.kill(before.worker, signal);
  const replaced = await until(() => {
    const pane = pool.panes().get(1);
    const worker = pane && !pane.dead && pane.pid !== before.pane.pid ? pool.workerPid(pane.pid) : null;
    return worker ? { worker } : null;
  });
  const running = performance.now() - start;
  await until(() => pool.metrics().workers['1']?.pid === replaced.worker, 60_000, 2);
  return { running, heartbeat: performance.now() - start };
}

async function series(title, settings, signal, count, slowMs) {
  const pool = makePool(settings);
  try {
    pool.wm('scale', '1');
    pool.wm('start');
    const results = [];
    for (let i = 0; i < count; i += 1) {
      const killedAt = new Date().toISOString();
      const result = await measure(pool, signal);
      results.push(result);
      if (result.running > slowMs) {
        const later = readFileSync(`${pool.home}/manager.log`, 'utf8')
          .split('\n')
          .filter((line) => line.slice(1, 25) >= killedAt);
        console.log(`  slow run ${i} (${ms(result.running)}), killed at ${killedAt}; manager log since:\n    ${later.join('\n    ')}`);
      }
      await sleep(300);
    }
    console.log(`  runs: ${results.map((r) => ms(r.running)).join(', ')}`);
    console.log(`${title} (n=${count})`);
    console.log(
      `  replacement running: median ${ms(median(results.map((r) => r.running)))}, min ${ms(Math.min(...results.map((r) => r.running)))}, max ${ms(Math.max(...results.map((r) => r.running)))}`,
    );
    console.log(
      `  first heartbeat:     median ${ms(median(results.map((r) => r.heartbeat)))}, min ${ms(Math.min(...results.map((r) => r.heartbeat)))}, max ${ms(Math.max(...results.map((r) => r.heartbeat)))}`,
    );
    const problems = readFileSync(`${pool.home}/manager.log`, 'utf8')
      .split('\n')
      .filter((line) => /\[(ERROR|ALERT)\]/.test(line));
    if (problems.length > 0) console.log(`  manager log problems:\n    ${problems.join('\n    ')}`);
    return results;
  } finally {
    await pool.cleanup();
  }
}

// Runs slower than the target (1 s after SIGKILL, CHECK_INTERVAL + DEAD_WORKER_THRESHOLD after SIGSTOP) print the manager log.
const killed = await series('SIGKILL -> restart, default CHECK_INTERVAL (10 s)', { RESTART_MIN_UPTIME: '0' }, 'SIGKILL', runs, 1000);
const stopped = await series(
  'SIGSTOP -> restart, CHECK_INTERVAL=1 DEAD_WORKER_THRESHOLD=3 HEARTBEAT_INTERVAL=0.5',
  { RESTART_MIN_UPTIME: '0', CHECK_INTERVAL: '1', DEAD_WORKER_THRESHOLD: '3', HEARTBEAT_INTERVAL: '0.5' },
  'SIGSTOP',
  Math.min(runs, 5),
  4000,
);
const pm2 = 150;
console.log(`ratio to PM2 (~${pm2} ms to replacement running after SIGKILL): ${(median(killed.map((r) => r.running)) / pm2).toFixed(2)}x`);
console.log(
  `SIGSTOP bound CHECK_INTERVAL + DEAD_WORKER_THRESHOLD = 4000 ms; measured median ${ms(median(stopped.map((r) => r.running)))} (PM2 never notices)`,
);
