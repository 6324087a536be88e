// Shared by the worker benchmarks: a temp repo, a data root, the queue library and a worker
// process (both from the build: `npm run build` first).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const work = mkdtempSync(join(tmpdir(), 'hw-bench-worker-'));
export const git = (cwd, ...args) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A repository on main with one commit: README.md, and `files` more files in 100 directories when asked for. */
export function makeRepo(name = 'repo', files = 0) {
  const repo = join(work, name);
  execFileSync('mkdir', ['-p', repo]);
  git(repo, 'init', '-q', '-b', 'main');
  for (const [key, value] of [
    ['user.name', 'Bench'],
    ['user.email', 'bench@example.com'],
    ['commit.gpgsign', 'false'],
    ['gc.auto', '0'],
  ])
    git(repo, 'config', key, value);
  writeFileSync(join(repo, 'README.md'), '# bench\n');
  for (let index = 0; index < files; index += 1) {
    const dir = join(repo, 'src', `d${index % 100}`);
    if (index < 100) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${index}.txt`), `file ${index}\n`.repeat(40));
  }
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  return repo;
}

export async function openBackend(home) {
  const { openQueueBackend, dataPaths, DEFAULT_SETTINGS } = await import(join(ROOT, 'dist', 'index.js'));
  const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'embedded' };
  return (await openQueueBackend({ paths: dataPaths(home), settings, env: process.env })).backend;
}

/**
 * Starts `hybrid-worker-enhanced ID` (1 unless given) in `repo` with the agent command, on the embedded
 * backend unless `env` says otherwise; resolves once it is idle.
 */
export async function startWorker(home, repo, agentCommand, { id = 1, env = {} } = {}) {
  const workerEnv = {
    ...process.env,
    CLAUDE_WORKERS_HOME: home,
    WORKER_BACKEND: 'embedded',
    // The stand-in agent keeps notes outside its worktree, which the sandbox would hide.
    SANDBOX: 'off',
    WORKER_AGENT_CMD: agentCommand,
    HEARTBEAT_INTERVAL: '1',
    ...env,
  };
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'hybrid-worker-enhanced.js'), String(id)], {
    cwd: repo,
    env: workerEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Through the health store the worker beats into (metrics.json, or the database on postgres).
  const { dataPaths, DEFAULT_SETTINGS, openFleetStores } = await import('../../dist/index.js');
  const settings = {
    ...DEFAULT_SETTINGS,
    WORKER_BACKEND: workerEnv.WORKER_BACKEND,
    WORKER_HOST: workerEnv.WORKER_HOST ?? DEFAULT_SETTINGS.WORKER_HOST,
  };
  const { health } = openFleetStores({ paths: dataPaths(home), settings, env: workerEnv });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker ${id} exited ${child.exitCode} before it was idle`);
    // Not there yet (no file, no schema, mid-write): look again.
    const metrics = await health.read().catch(() => undefined);
    if (metrics?.workers[String(id)]?.status === 'idle') return child;
    await sleep(20);
  }
}

export async function waitFinished(backend, count) {
  for (;;) {
    const tasks = await backend.list();
    if (tasks.filter((task) => ['done', 'review', 'failed'].includes(task.status)).length >= count) return tasks;
    await sleep(20);
  }
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const median = (values) => quantile(values, 0.5);
