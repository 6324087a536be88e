import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { taskHistoryRecordSchema, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { processesMentioning } from '../helpers/process-scan.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, type BackendName, type WorkerBench } from '../helpers/worker-harness.js';

/**
 * A pool brought up by the real setup binary (fake agent, a private tmux socket, data root and,
 * for Pueue, daemon), for the tests that kill parts of it: tmux servers, the manager, pueued.
 */
export interface SurvivalPool {
  readonly bench: WorkerBench;
  readonly socket: string;
  readonly env: Record<string, string>;
  run(bin: string, ...args: string[]): ReturnType<typeof runBin>;
  /** Tasks in a state, from the queue. */
  count(status: 'done' | 'claimed'): Promise<number>;
  history(): TaskHistoryRecord[];
  alerts(): string;
  /** Pid of the tmux server on `socket`. */
  tmuxServerPid(socket: string): number;
  /** Live processes of the pool (any that mentions its data root or a socket of its tmux servers). */
  processes(): number[];
  describe(pids: readonly number[]): string;
}

export async function withSurvivalPool(backendName: BackendName, body: (pool: SurvivalPool) => Promise<void>): Promise<void> {
  const bench = await makeWorkerBench(backendName, {
    HEARTBEAT_INTERVAL: '0.5',
    CHECK_INTERVAL: '1',
    DEAD_WORKER_THRESHOLD: '6',
    RESTART_DELAY: '0.2',
    RESTART_MIN_UPTIME: '0',
  });
  const socket = makeTmuxSocket();
  const env: Record<string, string> = {
    ...bench.env,
    WORKERS_TMUX_SOCKET: socket,
    WORKERS_SESSION: 'hw-workers',
    MONITOR_SESSION: 'hw-monitor',
  };
  const run = (bin: string, ...args: string[]) => runBin(bin, args, { home: bench.home, cwd: bench.repo, env, timeout: 180_000 });
  const processes = () => [...new Set([...processesMentioning(bench.home), ...processesMentioning(socket)])];
  const pool: SurvivalPool = {
    bench,
    socket,
    env,
    run,
    count: async (status) => (await bench.backend.list()).filter((task) => task.status === status).length,
    history: () =>
      existsSync(bench.paths.historyFile)
        ? readFileSync(bench.paths.historyFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => taskHistoryRecordSchema.parse(JSON.parse(line)))
        : [],
    alerts: () => (existsSync(bench.paths.alertsLog) ? readFileSync(bench.paths.alertsLog, 'utf8') : ''),
    tmuxServerPid: (name) =>
      Number(execFileSync('tmux', ['-L', name, 'display-message', '-p', '#{pid}'], { encoding: 'utf8', timeout: 10_000 }).trim()),
    processes,
    describe: (pids) =>
      pids.map((pid) => spawnSync('ps', ['-o', 'pid=,cmd=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()).join('; '),
  };
  try {
    await body(pool);
  } finally {
    await run('worker-manager', 'shutdown', '--now');
    await killTmuxServer(socket);
    if (env.PUEUE_CONFIG_PATH && existsSync(env.PUEUE_CONFIG_PATH)) {
      spawnSync('pueue', ['-c', env.PUEUE_CONFIG_PATH, 'shutdown'], { stdio: 'ignore', timeout: 10_000 });
    }
  }
  await waitFor(() => processes().length === 0, { timeoutMs: 20_000, what: `no process of the test left (${pool.describe(processes())})` });
}

/** One success record per task and no other record: every task ran to its end exactly once. */
export function expectEachOnce(history: readonly TaskHistoryRecord[], subissues: readonly string[]): { task: string; records: number }[] {
  return subissues
    .map((task) => ({
      task,
      records: history.filter((record) => record.task_id === task).length,
      ok: history.some((record) => record.task_id === task && record.result === 'success'),
    }))
    .filter((entry) => entry.records !== 1 || !entry.ok)
    .map(({ task, records }) => ({ task, records }));
}
