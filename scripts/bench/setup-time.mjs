// Wall time of `setup-hybrid-enhanced 4` until all 4 workers have sent a heartbeat, and of the
// whole demo (`npm run demo`). Usage: npm run build && node scripts/bench/setup-time.mjs [RUNS]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Workers hung up by the kill may still be writing their last heartbeat into the data root. */
function removeWhenQuiet(dir) {
  for (let tries = 1; ; tries += 1) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (error) {
      if (tries === 50) throw error;
      spawnSync('sleep', ['0.1']);
    }
  }
}

function setupOnce(index) {
  const work = mkdtempSync(join(tmpdir(), 'hw-bench-setup-'));
  const repo = join(work, 'repo');
  const home = join(work, 'home');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', 'commit', '-q', '--allow-empty', '-m', 'init'], {
    cwd: repo,
  });
  const socket = `hw-bench-setup-${process.pid}-${index}`;
  const env = {
    ...process.env,
    CLAUDE_WORKERS_HOME: home,
    WORKERS_TMUX_SOCKET: socket,
    WORKER_BACKEND: 'embedded',
    // The stand-in agent keeps notes outside its worktree, which the sandbox would hide.
    SANDBOX: 'off',
    WORKER_AGENT_CMD: `${process.execPath} ${join(root, 'scripts', 'demo', 'demo-agent.mjs')}`,
    HEARTBEAT_INTERVAL: '0.2',
  };
  const started = performance.now();
  const setup = spawnSync(process.execPath, [join(root, 'bin', 'setup-hybrid-enhanced.js'), '4'], { cwd: repo, env, stdio: 'ignore' });
  const setupDone = performance.now();
  const metricsFile = join(home, 'health', 'metrics.json');
  const allBeating = () => {
    if (!existsSync(metricsFile)) return false;
    const workers = JSON.parse(readFileSync(metricsFile, 'utf8')).workers;
    return [1, 2, 3, 4].every(
      (id) => workers[id]?.last_heartbeat && Date.parse(workers[id].last_heartbeat) >= Date.now() - (performance.now() - started),
    );
  };
  while (!allBeating() && performance.now() - started < 60_000) spawnSync('sleep', ['0.02']);
  const beating = performance.now();
  spawnSync(process.execPath, [join(root, 'bin', 'worker-manager.js'), 'stop'], { cwd: repo, env, stdio: 'ignore' });
  spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  removeWhenQuiet(work);
  if (setup.status !== 0) throw new Error(`setup exited ${setup.status}`);
  return { command: setupDone - started, heartbeating: beating - started };
}

const samples = Array.from({ length: runs }, (_, index) => setupOnce(index));
console.log(
  `setup-hybrid-enhanced 4 (embedded queue), ${runs} runs: command median ${median(samples.map((s) => s.command)).toFixed(0)} ms, ` +
    `until all 4 workers heartbeat median ${median(samples.map((s) => s.heartbeating)).toFixed(0)} ms`,
);
const demoStarted = performance.now();
const demo = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: root, stdio: 'ignore' });
console.log(`npm run demo: ${((performance.now() - demoStarted) / 1000).toFixed(1)} s, exit ${demo.status}`);
