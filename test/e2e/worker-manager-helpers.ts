import { readFileSync } from 'node:fs';
import { listWorkerPanes, type PaneInfo } from '../../src/adapters/tmux.js';
import { workerPidOf } from '../../src/manager/worker-actions.js';
import { makeWorkerBench, type WorkerBench } from '../helpers/worker-harness.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A pool for the worker-manager end-to-end tests: the real worker binary (dist/) with the fake
 * agent on the embedded queue, a real git repository, a private tmux socket and data root.
 */
export interface ManagerBench {
  readonly bench: WorkerBench;
  readonly socket: string;
  readonly env: Record<string, string>;
  wm(...args: string[]): ReturnType<typeof runBin>;
  panes(): Promise<Map<number, PaneInfo>>;
  managerLog(): string;
  /** The worker process under the pane's sh wrapper. */
  workerPid(pane: PaneInfo): number;
  /** Waits until worker `id` runs in a live pane (optionally a different pane process than `notPid`). */
  livePane(id: number, notPid?: number | null, timeoutMs?: number): Promise<PaneInfo>;
}

/** Runs `body` on a fresh pool and always kills its tmux server (manager and workers) afterwards. */
export async function withManagerBench(settings: Record<string, string>, body: (pool: ManagerBench) => Promise<void>): Promise<void> {
  const pool = await makeManagerBench(settings);
  try {
    await body(pool);
  } finally {
    await killTmuxServer(pool.socket);
  }
}

async function makeManagerBench(settings: Record<string, string>): Promise<ManagerBench> {
  const bench = await makeWorkerBench('embedded', { HEARTBEAT_INTERVAL: '0.5', ...settings });
  const socket = makeTmuxSocket();
  const env = { ...bench.env, ...settings, WORKERS_TMUX_SOCKET: socket, WORKERS_SESSION: 'hw-workers', MONITOR_SESSION: 'hw-monitor' };
  const tmux = { socket };
  const panes = () => listWorkerPanes(tmux, 'hw-workers');
  return {
    bench,
    socket,
    env,
    wm: (...args) => runBin('worker-manager', args, { home: bench.home, cwd: bench.repo, env, timeout: 120_000 }),
    panes,
    managerLog: () => {
      try {
        return readFileSync(bench.paths.managerLog, 'utf8');
      } catch {
        return '';
      }
    },
    workerPid: (pane) => workerPidOf(pane.pid!),
    livePane: (id, notPid = null, timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const pane = (await panes()).get(id);
          return pane && !pane.dead && pane.pid !== notPid ? pane : undefined;
        },
        { timeoutMs, what: `worker ${id} running in a live pane` },
      ),
  };
}

export const out = (value: unknown) => String(value ?? '');
