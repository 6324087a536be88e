import { expect, it } from 'vitest';
import { newSession, tagPane } from '../../src/adapters/tmux.js';
import { describeWith } from '../helpers/requires.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAKE_AGENT } from '../helpers/worker-harness.js';
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

describeWith(['tmux'], 'worker-queue add while no worker runs', () => {
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

  it("queues a task of a repository no running pool works, and says so; a task of the pool's repository is quiet", async () => {
    const home = makeTempDir();
    const [widgets, gadgets] = [makeGitRepo(), makeGitRepo()];
    git(widgets, 'remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
    git(gadgets, 'remote', 'add', 'origin', 'https://github.com/acme/gadgets.git');
    const env = {
      CLAUDE_WORKERS_HOME: home,
      WORKER_BACKEND: 'embedded',
      WORKERS_TMUX_SOCKET: makeTmuxSocket(),
      WORKER_AGENT_CMD: `"${process.execPath}" "${FAKE_AGENT}"`,
    };
    let output = '';
    spawnWorker({ repo: widgets, env }, 1).all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('working the tasks of acme/widgets'), {
      what: 'the worker to say its repository',
      timeoutMs: 30_000,
    });
    const add = (cwd: string, subissue: string) => runBin('worker-queue', ['add', '2', '10', subissue], { home, env, cwd });
    const other = await add(gadgets, '514');
    expect(other.exitCode).toBe(0);
    expect(other.stdout).toBe('Queued acme/gadgets#514 (id:1): sub-issue of #10, priority 2.');
    expect(other.stderr).toBe(
      'worker-queue: warning: no pool works acme/gadgets (the running workers work acme/widgets); the task waits until one is started in acme/gadgets with setup-hybrid-enhanced N.',
    );
    expect((await add(widgets, '515')).stderr).toBe('');
    // The worker takes 515: the test ends once its run is over, so no agent writes in a repository being removed.
    await waitFor(
      async () => {
        const list = await runBin('worker-queue', ['list', '--json'], { home, env, cwd: widgets });
        return (JSON.parse(list.stdout) as { tasks: { subissue: string; status: string }[] }).tasks.some(
          (task) => task.subissue === '515' && task.status !== 'queued' && task.status !== 'claimed',
        );
      },
      { what: 'task 515 to finish', timeoutMs: 45_000 },
    );
  }, 90_000);
});
