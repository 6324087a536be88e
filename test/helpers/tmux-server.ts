import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterThisTest } from './after-test.js';
import { waitFor } from './wait-for.js';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Kills the manager's server (`<socket>-manager`) first, so it rebuilds nothing, then the server
 * on `socket`, and waits until their panes' processes (workers, a manager) are gone, so the data
 * root can be removed without a process still writing into it. After a test it runs before the
 * removal of the temp dirs made before the socket (after-test.ts runs cleanups newest first).
 */
export async function killTmuxServer(socket: string): Promise<void> {
  if (!socket.endsWith('-manager')) await killTmuxServer(`${socket}-manager`);
  let pids: number[] = [];
  try {
    pids = tmuxOn(socket, 'list-panes', '-a', '-F', '#{pane_pid}').split('\n').filter(Boolean).map(Number);
    tmuxOn(socket, 'kill-server');
  } catch {
    // No server was started on it, or it already exited.
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await waitFor(() => pids.every((pid) => !isAlive(pid)), { timeoutMs: 10_000, what: 'the tmux panes’ processes to exit' });
}

/** A private tmux socket name for the current test; its server is killed after the test. */
export function makeTmuxSocket(): string {
  const socket = `hw-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  afterThisTest(() => killTmuxServer(socket));
  return socket;
}

/** Runs tmux on the socket (test-side inspection and sabotage, such as kill-pane). */
export const tmuxOn = (socket: string, ...args: string[]) =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
