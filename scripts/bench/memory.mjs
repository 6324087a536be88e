// Resident memory of an idle worker and of the manager (a real pool of 2 idle workers on the
// embedded queue, started by `worker-manager scale` + `start` on a private tmux socket) against a
// bare idle Node process (`node -e 'setInterval(() => {}, 1e3)'`) measured in the same run.
// VmRSS from /proc/<pid>/status after the processes have settled; the median of ROUNDS samples
// one second apart. Also each process's own memory, what no other process shares (USS: the private
// pages of /proc/<pid>/smaps_rollup; the pages of the node binary that every node process maps
// count in each one's RSS but exist once), which is what each more worker costs.
// Usage: npm run build && node scripts/bench/memory.mjs [ROUNDS=5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { makePool, median, sleep, until } from './manager-pool.mjs';

const ROUNDS = Number(process.argv[2] ?? 5);
// V8 shrinks an idle heap (its memory reducer) some 8 to 10 s after the last allocations of the start:
// measured sooner, an idle worker holds 4 MiB of its start-up more than it keeps.
const SETTLE_MS = 20_000;
const GOAL_MB = 8;
const field = (file) => (pid, name) =>
  Number(new RegExp(`${name}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))[1]) / 1024;
const status = field('status');
const rollup = field('smaps_rollup');
const unique = (pid) => rollup(pid, 'Private_Clean') + rollup(pid, 'Private_Dirty');

const idleNode = (env) => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e3)'], { stdio: 'ignore', env });
const bare = idleNode(process.env);
// The pool starts workers and the manager without NODE_EXTRA_CA_CERTS (src/core/extra-ca-certs.ts),
// which Node 20 parses at every start: where it is set, bare node is measured without it too.
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...envWithoutCerts } = process.env;
const bareWithoutCerts = extraCaCerts ? idleNode(envWithoutCerts) : undefined;
const pool = makePool({});
try {
  pool.wm('scale', '2');
  pool.wm('start');
  await until(() => Object.values(pool.metrics().workers).filter((w) => w.status === 'idle').length >= 2, 120_000, 100);
  const manager = pool.loop().pid;
  const workers = [...pool.panes().values()].map((pane) => pool.workerPid(pane.pid)).filter(Boolean);
  await sleep(SETTLE_MS);
  const pids = {
    bare: [bare.pid],
    ...(bareWithoutCerts ? { bareWithoutCerts: [bareWithoutCerts.pid] } : {}),
    worker: workers,
    manager: [manager],
  };
  const samples = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  const own = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const name of Object.keys(pids)) {
      samples[name].push(median(pids[name].map((pid) => status(pid, 'VmRSS'))));
      own[name].push(median(pids[name].map(unique)));
    }
    await sleep(1000);
  }
  const base = median(samples.bare);
  const ownBase = median(own.bare);
  console.log(`resident memory (VmRSS), idle, median of ${ROUNDS} samples, node ${process.version}`);
  console.log(`  bare node (setInterval):  ${base.toFixed(1)} MiB (its own, unshared: ${ownBase.toFixed(1)} MiB)`);
  if (bareWithoutCerts) {
    console.log(
      `  bare node without NODE_EXTRA_CA_CERTS (${extraCaCerts}): ${median(samples.bareWithoutCerts).toFixed(1)} MiB (its own ${median(own.bareWithoutCerts).toFixed(1)} MiB)`,
    );
  }
  for (const name of ['worker', 'manager']) {
    const value = median(samples[name]);
    const above = value - base;
    const ownAbove = median(own[name]) - ownBase;
    console.log(
      `  ${`${name}:`.padEnd(25)} ${value.toFixed(1)} MiB, ${above.toFixed(1)} MiB above bare node (goal <= ${GOAL_MB} MiB: ${above <= GOAL_MB ? 'met' : 'not met'}); its own ${median(own[name]).toFixed(1)} MiB, ${ownAbove.toFixed(1)} MiB above bare node's own`,
    );
  }
} finally {
  bare.kill();
  bareWithoutCerts?.kill();
  await pool.cleanup();
}
