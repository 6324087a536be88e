import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';

const sockets: string[] = [];

afterEach(() => {
  for (const socket of sockets.splice(0)) {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // No server was started on it, or it already exited.
    }
  }
});

/** A private tmux socket name for the current test; its server is killed after the test. */
export function makeTmuxSocket(): string {
  const socket = `hw-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  sockets.push(socket);
  return socket;
}

/** Runs tmux on the socket (test-side inspection and sabotage, such as kill-pane). */
export const tmuxOn = (socket: string, ...args: string[]) =>
  execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
