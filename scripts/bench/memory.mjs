// Resident memory of an idle worker and of the manager (a real pool of 2 idle workers on the
// embedded queue, started by `worker-manager scale` + `start` on a private tmux socket) against a
// bare idle Node process (`node -e 'setInterval(() => {}, 1e3)'`) measured in the same run.
// VmRSS from /proc/<pid>/status after the processes have settled; the median of ROUNDS samples
// one second apart. Usage: npm run build && node scripts/bench/memory.mjs [ROUNDS=5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makePool, median, sleep, until } from './manager-pool.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
const SETTLE_MS = 5000;
const GOAL_MB = 8;
const status = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e3)'], { stdio: 'ignore' });
const pool = makePool({});
try {
  pool.wm('scale', '2');
  pool.wm('start');
  await until(() => Object.values(pool.metrics().workers).filter((w) => w.status === 'idle').length >= 2, 120_000, 100);
  const manager = pool.loop().pid;
  const workers = [...pool.panes().values()].map((pane) => pool.workerPid(pane.pid)).filter(Boolean);
  await sleep(SETTLE_MS);
  const samples = { bare: [], worker: [], manager: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    samples.bare.push(status(bare.pid, 'VmRSS'));
    samples.worker.push(median(workers.map((pid) => status(pid, 'VmRSS'))));
    samples.manager.push(status(manager, 'VmRSS'));
    await sleep(1000);
  }
  const base = median(samples.bare);
  console.log(`resident memory (VmRSS), idle, median of ${ROUNDS} samples, node ${process.version}`);
  console.log(`  bare node (setInterval):  ${base.toFixed(1)} MiB`);
  for (const name of ['worker', 'manager']) {
    const value = median(samples[name]);
    const above = value - base;
    console.log(
      `  ${`${name}:`.padEnd(25)} ${value.toFixed(1)} MiB, ${above.toFixed(1)} MiB above bare node (goal <= ${GOAL_MB} MiB: ${above <= GOAL_MB ? 'met' : 'not met'})`,
    );
  }
} finally {
  bare.kill();
  await pool.cleanup();
}
