// Shared setup for the worker-manager benchmarks: a temp data root and git repository, a private
// tmux socket, the real worker (dist/) with the fake agent on the embedded queue. `npm run build` first.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const managerBin = join(root, 'bin', 'worker-manager.js');
const fakeAgent = join(root, 'test', 'fixtures', 'fake-agent.mjs');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export async function until(check, timeoutMs = 60_000, intervalMs = 5) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(intervalMs);
  }
}

export function makePool(settings = {}) {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-manager-'));
  const repo = join(home, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-C', repo, '-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  const socket = `hw-bench-${process.pid}`;
  const env = {
    ...process.env,
    CLAUDE_WORKERS_HOME: home,
    WORKERS_TMUX_SOCKET: socket,
    WORKERS_SESSION: 'bench-workers',
    MONITOR_SESSION: 'bench-monitor',
    WORKER_BACKEND: 'embedded',
    // The stand-in agent keeps notes outside its worktree, which the sandbox would hide.
    SANDBOX: 'off',
    WORKER_AGENT_CMD: `"${process.execPath}" "${fakeAgent}"`,
    NO_COLOR: '1',
    ...settings,
  };
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return {
    home,
    wm: (...args) => {
      const result = spawnSync(process.execPath, [managerBin, ...args], { cwd: repo, env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`worker-manager ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    },
    /** Worker panes by id: { paneId, pid, dead }. */
    panes: () => {
      const panes = new Map();
      for (const line of tmux('list-panes', '-s', '-t', '=bench-workers:', '-F', '#{@worker_id} #{pane_id} #{pane_pid} #{pane_dead}').split(
        '\n',
      )) {
        const [id, paneId, pid, dead] = line.split(' ');
        if (id) panes.set(Number(id), { paneId, pid: Number(pid), dead: dead === '1' });
      }
      return panes;
    },
    /** The worker under the pane's sh wrapper. */
    workerPid: (panePid) => {
      try {
        return Number(readFileSync(`/proc/${panePid}/task/${panePid}/children`, 'utf8').trim().split(/\s+/)[0]) || null;
      } catch {
        return null;
      }
    },
    metrics: () => {
      try {
        return JSON.parse(readFileSync(join(home, 'health', 'metrics.json'), 'utf8'));
      } catch {
        return { workers: {} };
      }
    },
    loop: () => JSON.parse(readFileSync(join(home, 'manager', 'manager.pid'), 'utf8')),
    cleanup: async () => {
      // The manager has its own tmux server: stopped first, so it does not rebuild the workers' one.
      spawnSync(process.execPath, [managerBin, 'stop'], { cwd: repo, env, stdio: 'ignore' });
      let pids = [];
      try {
        pids = tmux('list-panes', '-a', '-F', '#{pane_pid}').split('\n').filter(Boolean).map(Number);
        tmux('kill-server');
      } catch {
        // Already gone.
      }
      // The panes' process groups (wrapper and worker) must be gone before the data root goes.
      for (const pid of pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sleep(500);
      rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}
