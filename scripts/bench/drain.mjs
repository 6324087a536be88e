// The yardstick for a task's fixed cost (issue 29): N trivial tasks, each `git worktree add`, one
// commit by a fake agent (sh), `git worktree remove`, drained by
//   (a) the pool: `setup-hybrid-enhanced W` on the embedded queue (a private tmux socket, a temp
//       data root), its setup time included, until the queue holds N finished tasks;
//   (b) a bare Pueue daemon (isolated config) with `pueue parallel W`, the same shell command per
//       task, from the daemon's start to N tasks done;
//   (c) `xargs -P W` running the same command with no queue at all: the floor.
// The tasks are queued before the clock starts (the pool: through the library; Pueue: `pueue add`
// into a paused group, its daemon stopped meanwhile). Concurrent `git worktree add` in one
// repository races ("failed to read .git/worktrees/.../commondir"); the yardstick's own command
// retries it. Each size runs ROUNDS rounds of the three, interleaved, on fresh repositories; prints
// the medians and the ratios. --files N: each repository holds N more files (the checkout a real
// repository costs every task; the default is one file).
// Usage: npm run build && node scripts/bench/drain.mjs [--steps] [--files N] [SIZES=4x40,8x80] [ROUNDS=3]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPueueDaemon, pueueOnPath } from './queue-common.mjs';
import { ROOT, makeRepo, median, openBackend, quantile, sleep, work } from './worker-common.mjs';

const STEPS = process.argv.includes('--steps');
const filesAt = process.argv.indexOf('--files');
const FILES = filesAt === -1 ? 0 : Number(process.argv[filesAt + 1]);
const args = process.argv.slice(2).filter((arg, index) => arg !== '--steps' && index !== filesAt - 2 && index !== filesAt - 1);
const SIZES = (args[0] ?? (STEPS ? '1x20,4x40' : '4x40,8x80')).split(',').map((size) => size.split('x').map(Number));
const ROUNDS = Number(args[1] ?? (STEPS ? 1 : 3));
// --steps: the pool only, with the worker's step trace (HW_STEP_TRACE, src/core/step-trace.ts) and
// the agent's start and end, and prints where one task's wall time goes, step by step.
const traceFile = join(work, 'steps.log');
// The fake agent: one commit, in sh (a Node agent would add ~150 ms of its own start to every task
// of all three and hide the queue's cost). The pool appends the sub-issue and parent; it ignores them.
const agentCommand = join(work, 'agent.sh');
writeFileSync(
  agentCommand,
  `#!/bin/sh
${STEPS ? `echo "- $TASK_ID agent-start $(date +%s%3N)" >> "${traceFile}"` : ''}
echo "work for $TASK_ID" > "task-$TASK_ID.txt" && git add "task-$TASK_ID.txt" &&
  git -c user.name=Agent -c user.email=agent@example.com -c commit.gpgsign=false commit -q -m "agent: $TASK_ID"
${STEPS ? `code=$?; echo "- $TASK_ID agent-end $(date +%s%3N)" >> "${traceFile}"; exit $code` : ''}
`,
);
chmodSync(agentCommand, 0o755);
const FINISHED = new Set(['done', 'review', 'failed']);
// The machine's CPU time (all cores, user and system, /proc/stat) beside the wall clock: on a
// machine with fewer cores than workers the drain is CPU-bound, and this is what each way spends.
const cpuSeconds = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq] = ticks;
  return (user + nice + system + irq + softirq) / 100;
};
/** Starts the clock; the returned function stops it: { seconds, cpu } (wall and machine CPU seconds). */
const startClock = () => {
  const wall = performance.now();
  const cpu = cpuSeconds();
  return () => ({ seconds: (performance.now() - wall) / 1000, cpu: cpuSeconds() - cpu });
};
// How often the pool's queue and Pueue's status are looked at for the end: the same for both.
const POLL_MS = 50;

// One task for Pueue and xargs: what the worker does, minus the queue and the bookkeeping.
const taskScript = join(work, 'task.sh');
writeFileSync(
  taskScript,
  `#!/bin/sh
# task.sh REPO INDEX: a worktree, one commit by the fake agent in it, the worktree removed.
repo=$1 i=$2 tree=$1/.worktrees/t-$2 tries=0
until git -C "$repo" worktree add -q -b "t/$i" "$tree" main 2>/dev/null; do
  tries=$((tries + 1)); [ "$tries" -ge 100 ] && { echo "task $i: worktree add failed" >&2; exit 1; }
  git -C "$repo" branch -q -D "t/$i" 2>/dev/null; rm -rf "$tree"; sleep 0.02
done
(cd "$tree" && TASK_ID=$i "${agentCommand}") || { echo "task $i: the agent failed" >&2; exit 1; }
tries=0
until git -C "$repo" worktree remove --force "$tree" 2>/dev/null; do
  tries=$((tries + 1)); [ "$tries" -ge 100 ] && { echo "task $i: worktree remove failed" >&2; exit 1; }
  sleep 0.02
done
`,
);
chmodSync(taskScript, 0o755);

let serial = 0;
const fresh = (label) => {
  serial += 1;
  return makeRepo(`${label}-${serial}`, FILES);
};
const commitsOn = (repo, prefix) =>
  execFileSync('git', ['-C', repo, 'for-each-ref', '--format=%(refname)', `refs/heads/${prefix}`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean).length;

async function floor(workers, tasks) {
  const repo = fresh('xargs');
  const stop = startClock();
  const result = spawnSync('sh', ['-c', `seq 1 ${tasks} | xargs -P ${workers} -I{} "${taskScript}" "${repo}" {}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const time = stop();
  if (result.status !== 0 || commitsOn(repo, 't/') !== tasks) throw new Error(`xargs: exit ${result.status}`);
  return time;
}

async function bareQueue(workers, tasks) {
  const repo = fresh('pueue');
  return withPueueDaemon(async (config) => {
    const pueue = (...args) => execFileSync('pueue', ['-c', config, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = () => spawn('pueued', ['-c', config], { stdio: 'ignore' });
    const waitUp = async () => {
      for (let tries = 0; ; tries += 1) {
        try {
          return pueue('status', '--json');
        } catch (error) {
          if (tries > 500) throw error;
          await sleep(10);
        }
      }
    };
    // Queue the tasks into a paused group, then stop the daemon: the clock covers its start too.
    let child = daemon();
    await waitUp();
    pueue('parallel', String(workers));
    pueue('pause', '--group', 'default');
    for (let index = 1; index <= tasks; index += 1) pueue('add', '--', taskScript, repo, String(index));
    pueue('shutdown');
    await new Promise((resolve) => child.once('exit', resolve));
    const stop = startClock();
    child = daemon();
    await waitUp();
    pueue('start', '--group', 'default');
    for (;;) {
      const states = Object.values(JSON.parse(pueue('status', '--json')).tasks).map((task) => task.status);
      if (states.every((state) => typeof state === 'object' && 'Done' in state)) break;
      await sleep(POLL_MS);
    }
    const time = stop();
    const done = commitsOn(repo, 't/');
    child.unref();
    if (done !== tasks) throw new Error(`pueue: ${done} of ${tasks} tasks committed`);
    return time;
  });
}

async function pool(workers, tasks) {
  const repo = fresh('pool');
  const home = join(work, `home-${serial}`);
  mkdirSync(home);
  const socket = `hw-bench-drain-${process.pid}-${serial}`;
  const env = {
    ...process.env,
    CLAUDE_WORKERS_HOME: home,
    WORKERS_TMUX_SOCKET: socket,
    WORKER_BACKEND: 'embedded',
    WORKER_AGENT_CMD: agentCommand,
    // The sandbox's start cost is measured on its own (sandbox-start.mjs); Pueue and xargs have none.
    SANDBOX: 'off',
    NO_COLOR: '1',
    ...(STEPS ? { HW_STEP_TRACE: traceFile } : {}),
  };
  const backend = await openBackend(home);
  for (let index = 1; index <= tasks; index += 1) await backend.add({ subissue: String(index), parent: '1', priority: 1 });
  const bin = (name) => join(ROOT, 'bin', `${name}.js`);
  try {
    const stop = startClock();
    const setup = spawnSync(process.execPath, [bin('setup-hybrid-enhanced'), String(workers)], { cwd: repo, env, stdio: 'ignore' });
    if (setup.status !== 0) throw new Error(`setup-hybrid-enhanced exited ${setup.status}`);
    // A plain read of the queue file, not the library (its validation would take CPU from the pool).
    const queueFile = join(home, 'queue', 'embedded-queue.json');
    const finished = () => {
      try {
        return JSON.parse(readFileSync(queueFile, 'utf8')).tasks.filter((task) => FINISHED.has(task.status)).length;
      } catch {
        return 0;
      }
    };
    while (finished() < tasks) await sleep(POLL_MS);
    const time = stop();
    const list = await backend.list();
    const notDone = list.filter((task) => task.status !== 'done');
    if (notDone.length > 0) throw new Error(`pool: ${notDone.length} tasks not done (${notDone[0].status})`);
    return time;
  } finally {
    spawnSync(process.execPath, [bin('worker-manager'), 'shutdown', '--now'], { cwd: repo, env, stdio: 'ignore' });
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  }
}

if (STEPS) {
  for (const [workers, tasks] of SIZES) {
    writeFileSync(traceFile, '');
    const { seconds } = await pool(workers, tasks);
    printSteps(workers, tasks, seconds, readFileSync(traceFile, 'utf8'));
  }
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  process.exit(0);
}

/** Each task's marks (a worker's claim-start is the one before its claim) to the median time of each step. */
function printSteps(workers, tasks, seconds, text) {
  const marks = new Map();
  const lastClaimStart = new Map();
  for (const line of text.split('\n').filter(Boolean)) {
    const [pid, task, step, at] = line.split(' ');
    if (step === 'claim-start') {
      lastClaimStart.set(pid, Number(at));
      continue;
    }
    if (!marks.has(task)) marks.set(task, {});
    const mark = marks.get(task);
    mark[step] = Number(at);
    if (step === 'claimed') mark['claim-start'] = lastClaimStart.get(pid);
  }
  const spans = [
    ['claim (claim call to task in hand)', 'claim-start', 'claimed'],
    ['to the worktree (state, heartbeat)', 'claimed', 'worktree-start'],
    ['worktree add', 'worktree-start', 'worktree-done'],
    ['run start: get, commits, state write', 'worktree-done', 'run-starting'],
    ['run start: startRun (runner spawned, run recorded)', 'run-starting', 'run-started'],
    ['run start: startRun returned to agent running', 'run-started', 'agent-start'],
    ['agent (one commit)', 'agent-start', 'agent-end'],
    ['exit seen (agent end to the worker seeing it)', 'agent-end', 'exit-seen'],
    ['outcome (interpret, commits ahead)', 'exit-seen', 'outcome'],
    ['to recording (state)', 'outcome', 'record-start'],
    ['record (history, counters, state)', 'record-start', 'recorded'],
    ['finish (queue status)', 'recorded', 'finished'],
    ['removal (worktree remove, beside record and finish)', 'record-start', 'removed'],
    ['to the end (forget, compress, state)', 'finished', 'end'],
    ['whole task (claim call to end)', 'claim-start', 'end'],
  ];
  console.log(`steps of one task, pool ${workers} x ${tasks} (drained in ${seconds.toFixed(2)} s), median ms over ${marks.size} tasks`);
  console.log('| step | median ms | p90 ms |');
  console.log('|---|---|---|');
  for (const [label, from, to] of spans) {
    const values = [...marks.values()].filter((m) => m[from] !== undefined && m[to] !== undefined).map((m) => m[to] - m[from]);
    console.log(`| ${label} | ${median(values)?.toFixed(1)} | ${quantile(values, 0.9)?.toFixed(1)} |`);
  }
}

const runners = [['pool', pool], ...(pueueOnPath ? [['bare Pueue', bareQueue]] : []), ['xargs floor', floor]];
const rows = [];
for (const [workers, tasks] of SIZES) {
  const times = Object.fromEntries(runners.map(([name]) => [name, []]));
  const cpu = Object.fromEntries(runners.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1)
    for (const [name, run] of runners) {
      const time = await run(workers, tasks);
      times[name].push(time.seconds);
      cpu[name].push(time.cpu);
      process.stderr.write(
        `  ${workers}x${tasks} round ${round + 1} ${name}: ${time.seconds.toFixed(2)} s, CPU ${time.cpu.toFixed(2)} s\n`,
      );
    }
  const summary = (series) =>
    Object.fromEntries(Object.entries(series).map(([name, values]) => [name, { values, median: median(values) }]));
  rows.push({ workers, tasks, ...summary(times), cpu: summary(cpu) });
}

const fmt = (entry) => (entry ? `${entry.median.toFixed(2)} s (${entry.values.map((v) => v.toFixed(2)).join(', ')})` : 'n/a');
const ratio = (a, b) => (a && b ? `${(a.median / b.median).toFixed(2)}x` : 'n/a');
console.log(
  `drain: N trivial tasks (worktree add, one fake-agent commit, worktree remove)${FILES ? ` in a repository of ${FILES + 1} files` : ''}, median of ${ROUNDS} rounds`,
);
console.log('| workers x tasks | pool | bare Pueue | xargs floor | pool / Pueue | pool / floor |');
console.log('|---|---|---|---|---|---|');
for (const row of rows)
  console.log(
    `| ${row.workers} x ${row.tasks} | ${fmt(row.pool)} | ${fmt(row['bare Pueue'])} | ${fmt(row['xargs floor'])} | ${ratio(row.pool, row['bare Pueue'])} | ${ratio(row.pool, row['xargs floor'])} |`,
  );
console.log('CPU time of the whole machine during each drain (user and system, all cores), median of the rounds');
console.log('| workers x tasks | pool | bare Pueue | xargs floor | pool / Pueue | pool / floor |');
console.log('|---|---|---|---|---|---|');
for (const { workers, tasks, cpu } of rows)
  console.log(
    `| ${workers} x ${tasks} | ${fmt(cpu.pool)} | ${fmt(cpu['bare Pueue'])} | ${fmt(cpu['xargs floor'])} | ${ratio(cpu.pool, cpu['bare Pueue'])} | ${ratio(cpu.pool, cpu['xargs floor'])} |`,
  );
if (existsSync(work)) rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
