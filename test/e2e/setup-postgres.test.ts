import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAKE_AGENT } from '../helpers/worker-harness.js';

const cluster = usePrivateCluster();

/** A data root, a repository and a private tmux socket, with the fake agent that commits. */
function makeHost(url: string) {
  const home = makeTempDir('hw-setup-pg-');
  const repo = makeGitRepo();
  const agentDir = join(home, 'agent');
  const scenario = join(home, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ default: 'commit' }));
  const socket = makeTmuxSocket();
  const env = {
    WORKER_BACKEND: 'postgres',
    WORKERS_DATABASE_URL: url,
    WORKERS_TMUX_SOCKET: socket,
    WORKERS_SESSION: 'hw-workers',
    MONITOR_SESSION: 'hw-monitor',
    HEARTBEAT_INTERVAL: '0.5',
    RETRY_DELAY: '100ms',
    WORKER_AGENT_CMD: `"${process.execPath}" "${FAKE_AGENT}"`,
    FAKE_AGENT_STATE_DIR: agentDir,
    FAKE_AGENT_SCENARIO_FILE: scenario,
  };
  const bin = (name: string, ...args: string[]) => runBin(name, args, { home, cwd: repo, env, timeout: 120_000 });
  return { home, repo, socket, bin };
}

describeWith(['postgres', 'tmux', 'git'], 'setup-hybrid-enhanced on PostgreSQL', () => {
  it('brings up the pool from libpq socket URL (empty host, ?host=): schema migrated, workers run a task', async () => {
    const created = await cluster().createDatabase();
    const name = /localhost\/(\w+)\?/.exec(created)![1]!;
    // libpq's documented way to name a socket directory: no host before the path.
    const url = `postgresql://hw@/${name}?host=${encodeURIComponent(cluster().socketDir)}&port=${cluster().port}`;
    const host = makeHost(url);
    try {
      const setup = await host.bin('setup-hybrid-enhanced', '2');
      expect(setup.exitCode, setup.stderr).toBe(0);
      expect(setup.stdout).toMatch(/✓ database: Migrated the database at hw@.+ from schema version 0 to \d+\./);
      expect(setup.stdout).toMatch(/✓ workers: .*Starting workers 1, 2\./);
      expect([...(await listWorkerPanes({ socket: host.socket }, 'hw-workers')).keys()].sort()).toEqual([1, 2]);
      expect((await host.bin('worker-queue', 'add', '1', '7', '701')).exitCode).toBe(0);
      await waitFor(
        async () => {
          const listed = JSON.parse((await host.bin('worker-queue', 'list', '--json')).stdout) as { tasks: { status: string }[] };
          return listed.tasks[0]?.status === 'done';
        },
        { timeoutMs: 60_000, what: 'task 701 done by a worker setup started' },
      );
    } finally {
      await killTmuxServer(host.socket);
    }
  });

  it('takes the TCP URL of the multi-host guide', async () => {
    const created = await cluster().createDatabase();
    const name = /localhost\/(\w+)\?/.exec(created)![1]!;
    const host = makeHost(cluster().tcpUrl(name, 'hw-secret-pw'));
    try {
      const setup = await host.bin('setup-hybrid-enhanced', '1');
      expect(setup.exitCode, setup.stderr).toBe(0);
      expect(setup.stdout).toMatch(/✓ manager: /);
    } finally {
      await killTmuxServer(host.socket);
    }
  });
});
