// The fleet benchmark (issue 17): postgres against embedded and Pueue, in one run.
//  1. Claims: 64 claimers as 4 host processes (WORKER_HOST fleet-1..4) of 16 async claimer loops,
//     each loop with a queue backend of its own (its own connection pool, as a worker process has),
//     draining --tasks tasks (claim, then finish; Pueue --pueue-tasks, as it is ~30x slower): claim
//     latency p50/p99 and claims/s. Embedded and Pueue are per host, so their 64 claimers (the same
//     4 processes x 16) share one data root.
//  2. `worker-queue add` (the built binary) to the agent started by an idle pool of real workers
//     (hybrid-worker-enhanced with a shell agent that notes its start, as worker-dispatch.mjs):
//     postgres 4 hosts x 2 workers (woken by LISTEN/NOTIFY), embedded and Pueue 8 workers on one
//     host; measured from the add command's start, so its own start-up is in (its wall time is shown).
//  3. Postgres only: a host's death (SIGKILL of its 2 workers and their agents mid-task) to its 2
//     tasks claimed and started by the workers of the other 3 hosts, with LEASE_TIMEOUT=3s,
//     HEARTBEAT_INTERVAL=1s, --rounds times.
// Run: npm run build && node scripts/bench/fleet.mjs [--tasks 640] [--pueue-tasks 160] [--trials 7]
//      [--rounds 3] [--backends postgres,embedded,pueue] [--quick]
//      (--quick: 128 and 64 tasks, 3 trials, 1 round)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { postgresInstalled, withPostgresDatabase } from './postgres-cluster.mjs';
import { openQueue, pueueOnPath, withPueueDaemon } from './queue-common.mjs';
import { ROOT, makeRepo, median, quantile, sleep, startWorker, work } from './worker-common.mjs';

const HOSTS = 4;
const CLAIMERS_PER_HOST = 16;
const WORKERS_PER_HOST = 2;
const LEASE_TIMEOUT = '3s';
const DEADLINE_MS = 120_000;
const lib = join(ROOT, 'dist', 'index.js');

/** Child: one host's claimer loops; says `ready`, drains on `go`, prints what it saw as JSON. */
async function claimerHost(config) {
  const backends = await Promise.all(Array.from({ length: config.count }, () => openQueue(lib, config)));
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const started = Date.now();
  const latencies = [];
  const ids = [];
  await Promise.all(
    backends.map(async (backend, index) => {
      for (;;) {
        const before = performance.now();
        const task = await backend.claim(config.firstId + index);
        if (!task) return;
        latencies.push(performance.now() - before);
        ids.push(task.id);
        await backend.finish(task.id, { status: 'done' });
      }
    }),
  );
  const result = JSON.stringify({ started, ended: Date.now(), latencies, ids });
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(result, () => process.exit(0));
}

function spawnClaimerHost(config) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--claimer-host', JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise((resolve) => child.stdout.on('data', (chunk) => (out += chunk).startsWith('ready\n') && resolve()));
  const done = new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.slice('ready\n'.length))) : reject(new Error(`claimer host exited ${code}`)),
    ),
  );
  return { go: () => child.stdin.end('go\n'), ready, done };
}

async function claims(base, tasks) {
  mkdirSync(base.root, { recursive: true });
  const backend = await openQueue(lib, { ...base, host: 'fleet-bench' });
  const specs = Array.from({ length: tasks }, (_u, index) => ({ subissue: String(index + 1), parent: '1', priority: 1 + (index % 5) }));
  await backend.addMany(specs);
  const hosts = Array.from({ length: HOSTS }, (_u, index) =>
    spawnClaimerHost({ ...base, host: `fleet-${index + 1}`, firstId: index * CLAIMERS_PER_HOST + 1, count: CLAIMERS_PER_HOST }),
  );
  await Promise.all(hosts.map((host) => host.ready));
  for (const host of hosts) host.go();
  const results = await Promise.all(hosts.map((host) => host.done));
  const ids = results.flatMap((result) => result.ids);
  if (ids.length !== tasks || new Set(ids).size !== tasks)
    throw new Error(`${ids.length} claims of ${new Set(ids).size} tasks, want ${tasks} once each`);
  const latencies = results.flatMap((result) => result.latencies);
  const seconds = (Math.max(...results.map((r) => r.ended)) - Math.min(...results.map((r) => r.started))) / 1000;
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), perSecond: tasks / seconds };
}

/** Lines `<subissue> <epoch ms> ...` of an agent's start log. */
const starts = (file) =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' '))
    : [];

async function waitFor(what, check) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const settled = async (backend) => (await backend.list()).every((task) => !['queued', 'claimed'].includes(task.status));

async function stopWorkers(workers) {
  await Promise.all(
    workers.map((worker) => {
      if (worker.exitCode !== null || worker.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      return exited;
    }),
  );
}

/** Real workers: `hosts` host names, WORKERS_PER_HOST (or `perHost`) each, every host its own data root and repository. */
async function startHosts(name, hosts, agentCommand, env, perHost = WORKERS_PER_HOST) {
  return (
    await Promise.all(
      hosts.map(async (host) => {
        const home = join(work, name, host);
        const repo = makeRepo(join(name, `${host}-repo`));
        // One repository seen from every host (the same origin): a task added on one host is every
        // host's to claim (docs/SPEC.md section 3).
        const origin = join(work, name, 'origin.git');
        if (!existsSync(origin)) execFileSync('git', ['init', '-q', '--bare', origin]);
        execFileSync('git', ['-C', repo, 'remote', 'add', 'origin', origin]);
        const hostEnv = { ...env(host), WORKER_HOST: host };
        const workers = await Promise.all(
          Array.from({ length: perHost }, (_u, index) => startWorker(home, repo, agentCommand, { id: index + 1, env: hostEnv })),
        );
        return { host, home, repo, workers };
      }),
    )
  ).flatMap(({ host, home, repo, workers }) => workers.map((worker) => ({ host, home, repo, worker })));
}

async function addToStart(base, trials, env) {
  const name = `dispatch-${base.backend}`;
  mkdirSync(join(work, name), { recursive: true });
  const log = join(work, name, 'starts.log');
  const hostNames = base.backend === 'postgres' ? Array.from({ length: HOSTS }, (_u, index) => `fleet-${index + 1}`) : ['fleet-1'];
  const perHost = base.backend === 'postgres' ? WORKERS_PER_HOST : HOSTS * WORKERS_PER_HOST;
  const pool = await startHosts(name, hostNames, `sh -c 'echo "$TASK_ID $(date +%s%3N)" >> ${log}'`, () => env, perHost);
  const home = pool[0].home;
  const backend = await openQueue(lib, { ...base, root: home, host: 'fleet-1' });
  const delays = [];
  const fromCreated = [];
  const addWalls = [];
  try {
    for (let trial = 1; trial <= trials; trial += 1) {
      // A random moment, so the phase of the idle poll does not decide.
      await sleep(300 + Math.random() * 250);
      const subissue = String(9000 + trial);
      const before = Date.now();
      execFileSync(process.execPath, [join(ROOT, 'bin', 'worker-queue.js'), 'add', '1', '2', subissue], {
        cwd: pool[0].repo,
        env: { ...process.env, ...env, CLAUDE_WORKERS_HOME: home, WORKER_HOST: 'fleet-1' },
        stdio: 'ignore',
      });
      addWalls.push(Date.now() - before);
      const started = await waitFor(`task ${subissue} to start`, () => starts(log).find(([id]) => id === subissue));
      delays.push(Number(started[1]) - before);
      const task = (await backend.list()).find((candidate) => candidate.subissue === subissue);
      fromCreated.push(Number(started[1]) - Date.parse(task.createdAt));
      await waitFor('the pool to be idle', () => settled(backend));
    }
  } finally {
    await stopWorkers(pool.map(({ worker }) => worker));
  }
  return { median: median(delays), p90: quantile(delays, 0.9), fromCreated: median(fromCreated), addWall: median(addWalls) };
}

const processGroup = (pid) => Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).trim());

/** One round: host `dead` runs 2 hanging tasks, 3 other hosts idle; `dead` is killed; when do its tasks start elsewhere? */
async function hostDeathRound(round) {
  const name = `death-${round}`;
  const agentDir = (host) => join(work, name, `${host}-agent`);
  const agent = `"${process.execPath}" "${join(ROOT, 'test', 'fixtures', 'fake-agent.mjs')}"`;
  const env = (scenario) => (host) => ({
    WORKER_BACKEND: 'postgres',
    LEASE_TIMEOUT,
    FAKE_AGENT_STATE_DIR: agentDir(host),
    FAKE_AGENT_SCENARIO: scenario,
    AGENT_ENV_PASS: 'FAKE_AGENT_STATE_DIR,FAKE_AGENT_SCENARIO',
  });
  const dead = await startHosts(name, ['dead'], agent, env('hang'));
  const backend = await openQueue(lib, { backend: 'postgres', root: dead[0].home, host: 'dead' });
  const subissues = [String(8000 + round * 10 + 1), String(8000 + round * 10 + 2)];
  for (const subissue of subissues) await backend.add({ subissue, parent: '3', priority: 1 });
  const deadStarts = await waitFor('the doomed host to start both tasks', () => {
    const seen = starts(join(agentDir('dead'), 'starts.log'));
    return seen.length >= subissues.length && seen;
  });
  const survivorHosts = ['live-1', 'live-2', 'live-3'];
  const survivors = await startHosts(name, survivorHosts, agent, env('commit'));
  try {
    const groups = deadStarts.map(([, , pid]) => processGroup(pid));
    const killedAt = Date.now();
    for (const { worker } of dead) worker.kill('SIGKILL');
    for (const group of groups) process.kill(-group, 'SIGKILL');
    const startsElsewhere = () => survivorHosts.flatMap((host) => starts(join(agentDir(host), 'starts.log')));
    const moved = await waitFor('the tasks to start on the other hosts', () => {
      const seen = startsElsewhere();
      const found = subissues.map((subissue) => seen.find(([id]) => id === subissue));
      return found.every(Boolean) && found;
    });
    const claimedAt = (await backend.list()).filter((task) => subissues.includes(task.subissue)).map((task) => Date.parse(task.claimedAt));
    await waitFor('both tasks finished', () => settled(backend));
    if (startsElsewhere().length !== subissues.length)
      throw new Error(`the dead host's tasks started ${startsElsewhere().length} times elsewhere`);
    return { claimed: claimedAt.map((at) => at - killedAt), started: moved.map(([, at]) => Number(at) - killedAt) };
  } finally {
    await stopWorkers(survivors.map(({ worker }) => worker));
  }
}

async function benchBackend(backend, options, extra) {
  const base = { backend, group: 'fleet-bench', ...extra.base };
  const result = {};
  const env = { ...extra.env, WORKER_BACKEND: backend, PUEUE_GROUP: 'fleet-dispatch' };
  const tasks = backend === 'pueue' ? options.pueueTasks : options.tasks;
  result.claims = await claims({ ...base, root: join(work, `claims-${backend}`) }, tasks);
  console.log(
    `${backend}: claims p50 ${result.claims.p50.toFixed(1)} ms, p99 ${result.claims.p99.toFixed(1)} ms, ${result.claims.perSecond.toFixed(1)}/s`,
  );
  // Pueue: a group per data root (the claim records live in the data root).
  result.dispatch = await addToStart({ ...base, group: 'fleet-dispatch' }, options.trials, env);
  console.log(`${backend}: add -> agent started median ${result.dispatch.median} ms, p90 ${result.dispatch.p90} ms`);
  if (backend === 'postgres') {
    const rounds = [];
    for (let round = 1; round <= options.rounds; round += 1) rounds.push(await hostDeathRound(round));
    const [claimed, started] = [rounds.flatMap((r) => r.claimed), rounds.flatMap((r) => r.started)];
    result.death = { claimed: median(claimed), started: median(started), max: Math.max(...started) };
    console.log(`postgres: host death -> tasks claimed elsewhere ${claimed.join(', ')} ms; agents started ${started.join(', ')} ms`);
  }
  return result;
}

function printTable(results, options) {
  const names = Object.keys(results);
  const fmt = (value, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));
  const rows = [
    ['claim p50 (ms)', (r) => r.claims.p50, 1],
    ['claim p99 (ms)', (r) => r.claims.p99, 1],
    ['claims/s', (r) => r.claims.perSecond, 1],
    ['add -> agent started, median (ms)', (r) => r.dispatch.median, 0],
    ['add -> agent started, p90 (ms)', (r) => r.dispatch.p90, 0],
    ['`worker-queue add` wall time, median (ms)', (r) => r.dispatch.addWall, 0],
    ['task written (its createdAt) -> agent started, median (ms)', (r) => r.dispatch.fromCreated, 0],
    ['host death -> its tasks claimed elsewhere, median (ms)', (r) => r.death?.claimed, 0],
    ['host death -> their agents started elsewhere, median (ms)', (r) => r.death?.started, 0],
    ['host death -> their agents started elsewhere, max (ms)', (r) => r.death?.max, 0],
  ];
  const others = names.filter((name) => name !== 'postgres');
  const ratios = results.postgres ? others.map((name) => `postgres / ${name}`) : [];
  console.log();
  console.log(
    `fleet: ${options.tasks} tasks (Pueue ${options.pueueTasks}), claimers ${HOSTS} processes x ${CLAIMERS_PER_HOST} loops (postgres: 4 hosts; others: one host);` +
      ` real workers postgres ${HOSTS} x ${WORKERS_PER_HOST}, others 1 x ${HOSTS * WORKERS_PER_HOST}; ${options.trials} adds; ` +
      `${options.rounds} host deaths (LEASE_TIMEOUT ${LEASE_TIMEOUT}, heartbeat 1 s)`,
  );
  const line = (cells) => console.log(`| ${cells.join(' | ')} |`);
  line(['measure', ...names, ...ratios]);
  line(['measure', ...names, ...ratios].map(() => '---'));
  for (const [label, pick, digits] of rows) {
    const values = names.map((name) => fmt(pick(results[name]), digits));
    const ratioCells = ratios.map((_r, index) => {
      const [mine, theirs] = [pick(results.postgres), pick(results[others[index]])];
      return mine === undefined || theirs === undefined ? '-' : `${(mine / theirs).toFixed(2)}x`;
    });
    line([label, ...values, ...ratioCells]);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      'pueue-tasks': { type: 'string' },
      trials: { type: 'string' },
      rounds: { type: 'string' },
      backends: { type: 'string', default: 'postgres,embedded,pueue' },
      quick: { type: 'boolean', default: false },
    },
  });
  const number = (value, quick, full) => Number(value ?? (values.quick ? quick : full));
  const options = {
    tasks: number(values.tasks, 128, 640),
    pueueTasks: number(values['pueue-tasks'], 64, 160),
    trials: number(values.trials, 3, 7),
    rounds: number(values.rounds, 1, 3),
  };
  if (!existsSync(join(ROOT, 'dist', 'worker-queue.cjs'))) throw new Error('run npm run build first');
  const available = { postgres: postgresInstalled, embedded: true, pueue: pueueOnPath };
  const results = {};
  for (const backend of values.backends.split(',')) {
    if (!available[backend]) {
      console.log(`${backend}: not installed, skipped`);
      continue;
    }
    if (backend === 'postgres')
      results.postgres = await withPostgresDatabase(lib, () => benchBackend(backend, options, { base: {}, env: {} }));
    else if (backend === 'pueue')
      results.pueue = await withPueueDaemon((configPath) =>
        benchBackend(backend, options, { base: { pueueConfigPath: configPath }, env: { PUEUE_CONFIG_PATH: configPath } }),
      );
    else results[backend] = await benchBackend(backend, options, { base: {}, env: {} });
  }
  printTable(results, options);
}

if (process.argv[2] === '--claimer-host') {
  await claimerHost(JSON.parse(process.argv[3]));
} else {
  try {
    await main();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
