// Per-task overhead of the worker with a no-op agent (`true`: claim, worktree add, run, outcome
// check, worktree remove, record, finish) against a bare `git worktree add -b` + `git worktree
// remove` loop on the same repository. Prints both per-task times and their ratio.
// Run: npm run build && node scripts/bench/worker-overhead.mjs [TASKS]
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { git, makeRepo, median, openBackend, startWorker, waitFinished, work } from './worker-common.mjs';

const TASKS = Number(process.argv[2] ?? 40);
const home = join(work, 'home');
const repo = makeRepo();

const bare = [];
for (let index = 0; index < TASKS; index += 1) {
  const started = performance.now();
  const path = join(repo, '.worktrees', `bare-${index}`);
  git(repo, 'worktree', 'add', '-q', '-b', `bare/${index}`, path, 'main');
  git(repo, 'worktree', 'remove', '--force', path);
  bare.push(performance.now() - started);
}

// For scale, the two costs the worker's design is built from: each attempt runs behind the
// queue's sh runner, and each state transition is an fsync'ed write (temp file, fsync, rename).
const shStart = [];
const syncedWrite = [];
for (let index = 0; index < 10; index += 1) {
  let started = performance.now();
  execFileSync('/bin/sh', ['-c', ':']);
  shStart.push(performance.now() - started);
  started = performance.now();
  const file = join(work, `synced-${index}`);
  const fd = openSync(`${file}.tmp`, 'w');
  writeSync(fd, '{}\n');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(`${file}.tmp`, file);
  syncedWrite.push(performance.now() - started);
}

const backend = await openBackend(home);
const worker = await startWorker(home, repo, 'true');
const tasks = [];
try {
  for (let index = 1; index <= TASKS; index += 1) await backend.add({ subissue: String(index), parent: '1', priority: 1 });
  tasks.push(...(await waitFinished(backend, TASKS)));
} finally {
  worker.kill('SIGTERM');
}
// Back to back: each task's time is from the previous task's finish (or the first claim) to its own finish.
const ordered = tasks
  .map((task) => ({ claimed: Date.parse(task.claimedAt), finished: Date.parse(task.finishedAt) }))
  .sort((a, b) => a.finished - b.finished);
const perTask = ordered.map((task, index) => task.finished - (index === 0 ? task.claimed : ordered[index - 1].finished));
const total = (ordered.at(-1).finished - ordered[0].claimed) / TASKS;
const bareMedian = median(bare);
console.log(`worker per-task overhead, no-op agent, embedded backend, ${TASKS} tasks`);
console.log(`  bare git worktree add + remove: median ${bareMedian.toFixed(1)} ms per task`);
console.log(`  worker (claim .. finish):        median ${median(perTask).toFixed(1)} ms per task, mean ${total.toFixed(1)} ms`);
console.log(`  ratio (median worker / median bare): ${(median(perTask) / bareMedian).toFixed(2)}x`);
console.log(
  `  for scale: one \`sh -c :\` (the run trampoline's floor) takes ${median(shStart).toFixed(1)} ms here, one fsync'ed write ${median(syncedWrite).toFixed(1)} ms`,
);
await new Promise((resolve) => worker.once('exit', resolve));
rmSync(work, { recursive: true, force: true });
