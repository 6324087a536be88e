// Dispatch latency of an idle worker: from the moment a task is added to the queue (its createdAt)
// to the moment the agent process starts (the agent writes its start time, in ms, as its first act).
// Tasks are added one at a time at a random moment: the embedded worker is woken by the queue
// file's change (its ~250 ms idle poll is the fallback), so the phase of that poll matters less.
// Run: npm run build && node scripts/bench/worker-dispatch.mjs [TRIALS]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, median, openBackend, quantile, sleep, startWorker, waitFinished, work } from './worker-common.mjs';

const TRIALS = Number(process.argv[2] ?? 25);
const home = join(work, 'home');
const repo = makeRepo();
const starts = join(work, 'starts.log');
const backend = await openBackend(home);
// A shell agent that only records when it started: its own start-up is a few ms, not a node boot.
const worker = await startWorker(home, repo, `sh -c 'echo "$TASK_ID $(date +%s%3N)" >> ${starts}'`);
const latencies = [];
try {
  for (let trial = 1; trial <= TRIALS; trial += 1) {
    await sleep(300 + Math.random() * 250);
    const task = await backend.add({ subissue: String(trial), parent: '1', priority: 1 });
    await waitFinished(backend, trial);
    const lines = existsSync(starts) ? readFileSync(starts, 'utf8').trim().split('\n') : [];
    const started = lines.map((line) => line.split(' ')).filter(([id]) => id === task.subissue);
    if (started.length !== 1) throw new Error(`task ${task.subissue} started ${started.length} times`);
    latencies.push(Number(started[0][1]) - Date.parse(task.createdAt));
  }
} finally {
  worker.kill('SIGTERM');
}
console.log(`worker dispatch latency (task added -> agent started), embedded backend, idle worker, ${TRIALS} trials`);
console.log(
  `  median ${median(latencies).toFixed(0)} ms   p90 ${quantile(latencies, 0.9).toFixed(0)} ms   min ${Math.min(...latencies)} ms   max ${Math.max(...latencies)} ms`,
);
await new Promise((resolve) => worker.once('exit', resolve));
rmSync(work, { recursive: true, force: true });
