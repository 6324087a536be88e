#!/usr/bin/env node
// `npm run demo`: the real system end to end on a throwaway git repository. Setup with 4 workers
// running the labelled demo agent, 12 tasks added with worker-queue, the health dashboard while
// they run, the performance report at the end. Pueue is used when installed (a private daemon in
// the temp dir, never yours), the embedded queue otherwise. Exits 0 only if every task succeeded
// exactly once with its commit; leaves no tmux server, daemon or process behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { writeIsolatedPueueConfig } = await import(join(root, 'dist', 'index.js'));
const WORKERS = 4;
const TASKS = 12;
const PARENT = '100';
const DEADLINE_MS = 240_000;

const work = mkdtempSync(join(tmpdir(), 'hw-demo-'));
const repo = join(work, 'repo');
const home = join(work, 'home');
const hasPueue = spawnSync('pueue', ['--version'], { stdio: 'ignore' }).status === 0;
const pueueDir = hasPueue ? mkdtempSync('/tmp/hwq-') : undefined;
const socket = `hw-demo-${process.pid}`;
const env = {
  ...process.env,
  CLAUDE_WORKERS_HOME: home,
  WORKERS_TMUX_SOCKET: socket,
  // The stand-in agent runs from this checkout with this Node, which a sandbox need not show.
  SANDBOX: 'off',
  WORKER_AGENT_CMD: `${process.execPath} ${join(root, 'scripts', 'demo', 'demo-agent.mjs')}`,
  WORKER_BACKEND: hasPueue ? 'pueue' : 'embedded',
  HEARTBEAT_INTERVAL: '1',
  RETRY_DELAY: '1',
  CHECK_INTERVAL: '2',
  ...(pueueDir ? { PUEUE_CONFIG_PATH: writeIsolatedPueueConfig(pueueDir) } : {}),
};
const bin = (name) => join(root, 'bin', `${name}.js`);
const run = (name, args, options = {}) =>
  spawnSync(process.execPath, [bin(name), ...args], { env, cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
const show = (name, args) => {
  const result = run(name, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`${name} ${args.join(' ')} exited with ${result.status}`);
};
const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const heading = (text) => process.stdout.write(`\n=== ${text} ===\n`);

const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function teardown() {
  // The whole pool: manager, workers, their session and the pueued the toolkit started.
  run('worker-manager', ['shutdown', '--now']);
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  if (pueueDir) {
    const pidFile = join(pueueDir, 'pueue.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
    spawnSync('pueue', ['-c', env.PUEUE_CONFIG_PATH, 'shutdown'], { stdio: 'ignore', timeout: 10_000 });
    // The daemon exits after answering; wait for it so the demo leaves nothing running.
    for (let waited = 0; pid !== undefined && isAlive(pid) && waited < 100; waited += 1) spawnSync('sleep', ['0.05']);
    rmSync(pueueDir, { recursive: true, force: true });
  }
}

async function main() {
  heading(`Demo: ${WORKERS} workers, ${TASKS} tasks, queue: ${hasPueue ? 'Pueue (private daemon)' : 'embedded (Pueue is not installed)'}`);
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('-c', 'user.name=Demo', '-c', 'user.email=demo@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'demo repository');
  const baseHead = git('rev-parse', 'HEAD');

  heading(`setup-hybrid-enhanced ${WORKERS}`);
  show('setup-hybrid-enhanced', [String(WORKERS), '--recreate']);

  heading(`worker-queue add: ${TASKS} sub-issues of #${PARENT}`);
  for (let index = 1; index <= TASKS; index += 1) show('worker-queue', ['add', String((index % 3) + 1), PARENT, String(200 + index)]);

  heading('worker-health-monitor dashboard (a frame every 3 s while the tasks run)');
  const deadline = Date.now() + DEADLINE_MS;
  let finished = [];
  while (Date.now() < deadline) {
    const tasks = JSON.parse(run('worker-queue', ['list', '--json']).stdout).tasks;
    finished = tasks.filter((task) => ['done', 'failed', 'review'].includes(task.status));
    process.stdout.write(
      `${run('worker-health-monitor', ['dashboard', '--once']).stdout}\nTasks finished: ${finished.length}/${TASKS}\n\n`,
    );
    if (finished.length === TASKS) break;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }

  heading('worker-performance report');
  show('worker-performance', ['report']);

  const problems = [];
  if (finished.length !== TASKS) problems.push(`only ${finished.length} of ${TASKS} tasks finished in time`);
  for (const task of finished.filter((entry) => entry.status !== 'done')) problems.push(`sub-issue ${task.subissue} ended ${task.status}`);
  for (let index = 1; index <= TASKS; index += 1) {
    const subissue = 200 + index;
    const branch = `subissue/${PARENT}-${subissue}`;
    const commits = spawnSync('git', ['rev-list', '--count', `${baseHead}..${branch}`], { cwd: repo, encoding: 'utf8' });
    if (commits.status !== 0 || commits.stdout.trim() !== '1') problems.push(`${branch} should have exactly one demo commit`);
  }
  if (git('status', '--porcelain') !== '' || git('rev-parse', 'HEAD') !== baseHead) problems.push('the main checkout changed');
  heading(problems.length === 0 ? `Demo passed: ${TASKS} tasks done exactly once, one commit each` : 'Demo FAILED');
  for (const problem of problems) process.stdout.write(`  - ${problem}\n`);
  return problems.length === 0 ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  process.stderr.write(`demo: ${error.message}\n`);
} finally {
  teardown();
  if (code === 0) rmSync(work, { recursive: true, force: true });
  else process.stderr.write(`demo: kept ${work} for inspection\n`);
}
process.exit(code);
