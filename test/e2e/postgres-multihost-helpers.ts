import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import type { HostNetwork, NetHost } from '../helpers/netns-hosts.js';
import { CLUSTER_PASSWORD, CLUSTER_USER, databaseNameOf, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { processesMentioning } from '../helpers/process-scan.js';
import { binPath, testEnv, type BinResult } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { FAKE_AGENT, FAKE_AGENT_PASS, isGone } from '../helpers/worker-harness.js';

/**
 * Hosts of one fleet on one database: each runs its processes as its own network host (a
 * namespace, see netns-hosts.ts), with its own clone of one origin repository, data root, tmux
 * socket, manager and workers (the real bins of dist/, the fake agent).
 */
export interface FleetHost {
  /** WORKER_HOST. */
  readonly name: string;
  readonly net: NetHost;
  readonly home: string;
  readonly clone: string;
  readonly agentDir: string;
  readonly socket: string;
  readonly env: Record<string, string>;
  /** A bin run as this host (in its namespace), in its clone. */
  bin(name: string, args: readonly string[]): Promise<BinResult>;
  setScenario(plan: { default?: string; tasks?: Record<string, string> }): void;
  /** The host's own history records (history/tasks.jsonl of its data root). */
  history(): { task_id: string; result: string; worker_id: number }[];
  /** Sub-issues the host's agent started, in order. */
  starts(): string[];
  /** Every live process of the host: its namespace's, or (loopback) those naming its data root. */
  processes(): number[];
  /** SIGKILL of every process of the host; resolves when they are gone. */
  kill(): Promise<void>;
  /**
   * Cuts the host off the database (`false`) or puts it back: its veth link down or up. On
   * loopback, with no link to cut, its manager and workers are stopped (SIGSTOP) instead, which
   * loses their leases the same way; the agents' runs go on.
   */
  setReachable(reachable: boolean): void;
}

export interface TaskRow {
  id: string;
  subissue: string;
  status: string;
  host: string | null;
  worker_id: number | null;
  attempts: number;
  lease_token: string | null;
  last_error: string | null;
  claimed_at: Date | null;
  finished_at: Date | null;
}

export interface Fleet {
  readonly hosts: readonly FleetHost[];
  /** The fleet's database, read from the test (socket directory, not through any host's link). */
  tasks(): Promise<TaskRow[]>;
  /** Addresses the database's TCP sessions on the fleet's database come from. */
  clientAddresses(): Promise<string[]>;
  /** `worker-queue import` of sub-issues from..to (parent 7) from the first host. */
  addTasks(from: number, to: number): Promise<void>;
}

/** Short intervals so a lease runs out in seconds; the agent commits unless a scenario says otherwise. */
const FLEET_SETTINGS = {
  HEARTBEAT_INTERVAL: '0.5',
  DEAD_WORKER_THRESHOLD: '3',
  LEASE_TIMEOUT: '5',
  CHECK_INTERVAL: '1',
  RETRY_DELAY: '100ms',
  RESTART_DELAY: '0',
  TASK_TIMEOUT: '120',
  MAX_RETRIES: '3',
  MIN_FREE_DISK: '0',
};

/** A process's command line, words joined by spaces ('' once it is gone). */
export const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

function makeHost(network: HostNetwork, net: NetHost, name: string, origin: string, databaseUrl: string): FleetHost {
  const home = makeTempDir(`hw-${name}-`);
  const clone = join(makeTempDir(`hw-${name}-clone-`), 'repo');
  git(home, 'clone', '-q', `file://${origin}`, clone);
  const agentDir = join(home, 'agent');
  const scenarioFile = join(home, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify({ default: 'commit' }));
  const socket = makeTmuxSocket();
  const env = {
    ...FLEET_SETTINGS,
    CLAUDE_WORKERS_HOME: home,
    WORKER_BACKEND: 'postgres',
    // In the environment only (never an argument): the password stays out of ps.
    WORKERS_DATABASE_URL: databaseUrl,
    WORKER_HOST: name,
    WORKERS_TMUX_SOCKET: socket,
    WORKERS_SESSION: 'hw-workers',
    MONITOR_SESSION: 'hw-monitor',
    WORKER_AGENT_CMD: `"${process.execPath}" "${FAKE_AGENT}"`,
    FAKE_AGENT_STATE_DIR: agentDir,
    FAKE_AGENT_SCENARIO_FILE: scenarioFile,
    AGENT_ENV_PASS: FAKE_AGENT_PASS,
  };
  const processes = () => (network.kind === 'netns' ? network.pids(net) : processesMentioning(home));
  const signal = (pids: readonly number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // Already gone.
      }
    }
  };
  return {
    name,
    net,
    home,
    clone,
    agentDir,
    socket,
    env,
    async bin(bin, args) {
      const argv = [...network.exec(net), process.execPath, binPath(bin), ...args];
      const result = await execa(argv[0]!, argv.slice(1), {
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
        cwd: clone,
        env: testEnv(env),
        extendEnv: false,
      });
      return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
    },
    setScenario: (plan) => writeFileSync(scenarioFile, JSON.stringify(plan)),
    history: () => readLines(join(home, 'history', 'tasks.jsonl')).map((line) => JSON.parse(line)),
    starts: () => readLines(join(agentDir, 'starts.log')).map((line) => line.split(' ')[0]!),
    processes,
    async kill() {
      const pids = processes();
      signal(pids, 'SIGKILL');
      await waitFor(() => pids.every(isGone), { timeoutMs: 15_000, what: `the processes of ${name} to be gone` });
    },
    setReachable(reachable) {
      if (network.setLink) return network.setLink(net, reachable);
      const pool = processes().filter((pid) => /(worker-manager|hybrid-worker-enhanced)\.js/.test(commandLine(pid)));
      signal(pool, reachable ? 'SIGCONT' : 'SIGSTOP');
    },
  };
}

/**
 * Runs `body` on a fleet of one host per network host, on a fresh database, each with a manager and
 * `workersPerHost` workers; `before` may shape the hosts (scenarios) before their workers start.
 * Every process of every host is killed afterwards.
 */
export async function withFleet(
  cluster: PostgresCluster,
  network: HostNetwork,
  options: { readonly workersPerHost: number; readonly before?: (hosts: readonly FleetHost[]) => void },
  body: (fleet: Fleet) => Promise<void>,
): Promise<void> {
  const database = databaseNameOf(await cluster.createDatabase());
  const origin = join(makeTempDir('hw-origin-'), 'origin.git');
  git(makeTempDir(), 'clone', '-q', '--bare', makeGitRepo(), origin);
  const hosts = network.hosts.map((net, n) =>
    makeHost(network, net, `host-${'abcdefgh'[n]}`, origin, cluster.tcpUrl(database, CLUSTER_PASSWORD, net.databaseAddress)),
  );
  // A pool, so a connection the server dropped (a restart) is replaced by the next query.
  const client = new pg.Pool({ host: cluster.socketDir, port: cluster.port, user: CLUSTER_USER, database, max: 1 });
  client.on('error', () => undefined);
  try {
    const migrated = await hosts[0]!.bin('worker-queue', ['migrate']);
    if (migrated.exitCode !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    options.before?.(hosts);
    for (const host of hosts) {
      for (const args of [['scale', String(options.workersPerHost)], ['start']]) {
        const result = await host.bin('worker-manager', args);
        if (result.exitCode !== 0) throw new Error(`${host.name}: worker-manager ${args.join(' ')} failed: ${result.stderr}`);
      }
    }
    await body({
      hosts,
      tasks: async () => (await client.query<TaskRow>('SELECT * FROM hw_tasks ORDER BY id')).rows,
      clientAddresses: async () =>
        (
          await client.query<{ address: string }>(
            'SELECT DISTINCT host(client_addr) AS address FROM pg_stat_activity WHERE datname = current_database() AND client_addr IS NOT NULL ORDER BY 1',
          )
        ).rows.map((row) => row.address),
      async addTasks(from, to) {
        const file = join(hosts[0]!.home, 'queue.txt');
        const lines = Array.from({ length: to - from + 1 }, (_, n) => `2|7|${from + n}|pending||2026-01-01T00:00:00Z`);
        writeFileSync(file, `${lines.join('\n')}\n`);
        const imported = await hosts[0]!.bin('worker-queue', ['import', file]);
        if (imported.exitCode !== 0) throw new Error(`import failed: ${imported.stderr}`);
      },
    });
  } finally {
    await client.end();
    for (const host of hosts) {
      await killTmuxServer(host.socket);
      await host.kill();
    }
  }
}

/** The tip commit's subject of the task's branch in a clone (the agent's commit when it ran there). */
export const branchTip = (clone: string, subissue: string) => {
  try {
    return git(clone, 'log', '-1', '--format=%s', `subissue/7-${subissue}`);
  } catch {
    return null;
  }
};
