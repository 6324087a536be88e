import { describe, expect, it } from 'vitest';
import { newSession, tagPane } from '../../src/adapters/tmux.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket } from '../helpers/tmux-server.js';

const WARNING = 'worker-queue: warning: no worker is running; start the pool with setup-hybrid-enhanced N.';

function setting() {
  const home = makeTempDir();
  const env = { WORKER_BACKEND: 'embedded', WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'hw-workers' };
  const add = (subissue: string) => runBin('worker-queue', ['add', '2', '10', subissue], { home, env });
  const heartbeat = (status: string) => runBin('worker-health-monitor', ['heartbeat', '1', status], { home, env });
  return { env, add, heartbeat };
}

describe('worker-queue add while no worker runs', () => {
  it('queues the task and says on stderr that no worker will pick it up', async () => {
    const { add } = setting();
    const result = await add('101');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Queued .+#101 \(id:1\): sub-issue of #10, priority 2\.$/);
    expect(result.stderr).toBe(WARNING);
  });

  it('is quiet while a worker heartbeats, and warns again once it has stopped', async () => {
    const { add, heartbeat } = setting();
    expect((await heartbeat('idle')).exitCode).toBe(0);
    expect((await add('101')).stderr).toBe('');
    expect((await heartbeat('stopped')).exitCode).toBe(0);
    expect((await add('102')).stderr).toBe(WARNING);
  });

  it('counts a live worker pane that has not reported yet (a pool setup has just started)', async () => {
    const { env, add } = setting();
    const tmux = { socket: env.WORKERS_TMUX_SOCKET };
    await tagPane(tmux, await newSession(tmux, env.WORKERS_SESSION, { argv: ['sleep', '600'] }), 1);
    expect((await add('101')).stderr).toBe('');
  });
});
