import { isAbsolute } from 'node:path';
import type { PaneCommand } from '../adapters/tmux.js';
import { WorkersError } from '../core/errors.js';
import { parseWorkerId } from '../core/worker-id.js';
import { carryExtraCaCerts } from '../core/extra-ca-certs.js';
import { SETTING_DEFINITIONS, type Settings } from '../core/settings.js';

export interface WorkerLaunch {
  /** The node binary and the worker's launcher script, both absolute. */
  readonly nodePath: string;
  readonly workerBin: string;
  /** V8 flags for the node of workers and of the manager's loop (LEAN_NODE_FLAGS). */
  readonly nodeFlags: readonly string[];
  /** Where workers run (the repository they work on). */
  readonly cwd: string;
  /** Passed to every worker: the data root and the settings the manager was given. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Environment a worker inherits from the manager, passed with `tmux -e`; tmux panes otherwise get
 * the server's environment. Not the database's (WORKERS_DATABASE_URL, PG*): a tmux server keeps
 * the argv of the client that started it, where any local user would read the password. Those
 * reach the panes through the environment the tmux server inherits from the process that starts
 * it (setup, then the manager).
 */
const PASSED_NAMES = [
  'CLAUDE_WORKERS_HOME',
  'PATH',
  'HOME',
  'NO_COLOR',
  'FORCE_COLOR',
  'PUEUE_CONFIG_PATH',
  ...Object.keys(SETTING_DEFINITIONS),
];

export function workerEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') passed[name] = value;
  }
  return passed;
}

/**
 * glibc raises its trim threshold as a process frees large blocks (start-up frees the bundle's
 * text and the code cache), then keeps that much freed memory resident for good. A fixed threshold,
 * glibc's own default, turns that off: about 4 MiB less per idle worker (docs/PERFORMANCE.md, "A
 * task's fixed cost"). Other C libraries ignore the variable.
 */
export const LEAN_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: '131072' };

/**
 * Workers and the manager wait far more than they compute (docs/PERFORMANCE.md, "A task's fixed
 * cost"). `--no-opt`: no optimizing compiler, about 4 MiB less resident per idle worker, at no CPU
 * cost per task measured. `--max-semi-space-size=1`: a young generation of at most 1 MiB a half,
 * 0.5 MiB less V8 heap. `--single-threaded-gc`: the collector's work on the main thread, 0.2 MiB
 * less and less CPU in a busy pool (three paired 8 x 80 drains on two cores: 8.7 to 11.1 CPU
 * seconds against 10.4 to 12.1). Not `--lite-mode`, which saves 3 MiB more but turns WebAssembly
 * off: Node's fetch (undici) then throws at first use, and the pg client touches it.
 */
export const LEAN_NODE_FLAGS: readonly string[] = ['--no-opt', '--max-semi-space-size=1', '--single-threaded-gc'];

/**
 * Workers and the manager start without NODE_EXTRA_CA_CERTS (src/core/extra-ca-certs.ts) unless
 * they open TLS connections themselves: to PostgreSQL (both), or to an https webhook (the
 * manager; the pool's processes share one environment). GitHub and the agent are child processes.
 */
export function leanCertificateEnv(
  env: NodeJS.ProcessEnv,
  settings: Pick<Settings, 'WORKER_BACKEND' | 'NOTIFY_WEBHOOK_URL'>,
): Record<string, string> {
  const opensTls = settings.WORKER_BACKEND === 'postgres' || /^https:/i.test(settings.NOTIFY_WEBHOOK_URL);
  return opensTls ? {} : carryExtraCaCerts(env);
}

/**
 * The pane runs `/bin/sh -c '"$@"; exit $?' hybrid-worker <node> <bin> <id>`: the words reach sh
 * as positional parameters, never as script text, so nothing is parsed or interpolated. sh stays
 * as the pane's process and the worker is its child because tmux sends SIGCONT to a pane process
 * that stops (server_child_stopped): a worker tmux started directly could never be seen hung. The
 * exit status passes through to tmux's pane_dead_status.
 */
export const PANE_WRAPPER = ['/bin/sh', '-c', '"$@"; exit $?', 'hybrid-worker'] as const;

/** `node <flags> <bin/hybrid-worker-enhanced.js> <id>` from checked values only (absolute paths without control characters, a valid id). */
export function buildWorkerCommand(launch: WorkerLaunch, workerId: number): PaneCommand {
  for (const path of [launch.nodePath, launch.workerBin, launch.cwd]) {
    if (!isAbsolute(path) || [...path].some((char) => char.charCodeAt(0) < 0x20)) {
      throw new WorkersError(
        'tool',
        `Refusing to start a worker from ${JSON.stringify(path)}: an absolute path without control characters is needed.`,
      );
    }
  }
  const id = parseWorkerId(workerId);
  return {
    argv: [...PANE_WRAPPER, launch.nodePath, ...launch.nodeFlags, launch.workerBin, String(id)],
    env: { ...launch.env, WORKER_ID: String(id) },
    cwd: launch.cwd,
  };
}
