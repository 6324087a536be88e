import { Chalk } from 'chalk';
import { TextTable } from '../core/text-table.js';
import { hasSession, listWorkerPanes, type PaneInfo } from '../adapters/tmux.js';
import { formatDuration } from '../core/duration.js';
import { readLastLines } from '../core/log-tail.js';
import { heartbeatAgeMs } from '../health/classify.js';
import type { Metrics } from '../health/metrics-schema.js';
import { classifyWorker, type WorkerVerdict } from './classify-worker.js';
import { runningManager } from './manager-process.js';
import { workerIds, type ManagerState } from './manager-state.js';
import type { ManagerContext, Pool } from './pool.js';
import { isProcessAlive } from './worker-actions.js';
import { UsagePause, describePause } from '../pool/usage-pause.js';

export interface WorkerStatusRow {
  readonly id: number;
  readonly pane: string | null;
  /** A health state, or the manager's view: missing, exited, process-gone, gave-up, backoff, draining. */
  readonly health: string;
  readonly current_task: string;
  readonly completed: number;
  readonly failed: number;
  readonly restarts: number;
  readonly heartbeat_age_s: number | null;
}

export interface ManagerStatus {
  readonly generated_at: string;
  readonly manager: { readonly running: boolean; readonly pid: number | null; readonly last_check_ms: number | null; readonly last_check_at: string | null };
  readonly session: { readonly name: string; readonly exists: boolean };
  /** The pool-wide usage-limit pause in force, described, or null. */
  readonly pause: string | null;
  readonly workers: WorkerStatusRow[];
  readonly recent_log: string[];
}

const RECENT_LOG_LINES = 8;

const verdictWord = (verdict: WorkerVerdict) => {
  switch (verdict.kind) {
    case 'pane-dead':
      return 'exited';
    case 'running':
    case 'hung':
      return verdict.health;
    default:
      return verdict.kind;
  }
};

export function workerRow(id: number, pane: PaneInfo | undefined, state: ManagerState, metrics: Metrics, now: Date, context: ManagerContext): WorkerStatusRow {
  const entry = state.workers[String(id)];
  const record = metrics.workers[String(id)];
  const verdict = classifyWorker({ pane, processAlive: isProcessAlive(pane?.pid ?? null), record, startedAt: entry?.started_at ?? null }, now, context.settings);
  const manager = entry?.gave_up ? 'gave-up' : entry?.next_restart_at ? 'backoff' : entry?.intent === 'remove' || entry?.drain_requested_at ? 'draining' : undefined;
  const age = record ? heartbeatAgeMs(record, now) : undefined;
  return {
    id,
    pane: pane?.paneId ?? null,
    health: manager ?? verdictWord(verdict),
    current_task: record?.current_task ?? 'none',
    completed: record?.tasks_completed ?? 0,
    failed: record?.tasks_failed ?? 0,
    restarts: entry?.restarts ?? record?.restarts ?? 0,
    heartbeat_age_s: age === undefined || !Number.isFinite(age) ? null : Math.round(age / 100) / 10,
  };
}

export async function buildStatus(context: ManagerContext, pool: Pool): Promise<ManagerStatus> {
  const now = context.now();
  const usage = new UsagePause({ paths: context.paths, now: context.now, random: () => 0, jitterMaxMs: 0 });
  const [loop, exists, panes, state, metrics, recent, pause] = await Promise.all([
    runningManager(context.paths),
    hasSession(pool.tmux, pool.session),
    listWorkerPanes(pool.tmux, pool.session),
    pool.state.read(),
    pool.health.read(),
    readLastLines(context.paths.managerLog, RECENT_LOG_LINES),
    usage.current(),
  ]);
  const ids = [...new Set([...workerIds(state), ...panes.keys()])].sort((a, b) => a - b);
  return {
    generated_at: now.toISOString(),
    manager: { running: loop !== null, pid: loop?.pid ?? null, last_check_ms: loop?.last_pass_ms ?? null, last_check_at: loop?.last_pass_at ?? null },
    session: { name: pool.session, exists },
    pause: pause === null ? null : describePause(pause),
    workers: ids.map((id) => workerRow(id, panes.get(id), state, metrics, now, context)),
    recent_log: recent,
  };
}

export function renderStatus(status: ManagerStatus, colorLevel: 0 | 1 | 2 | 3): string {
  const chalk = new Chalk({ level: colorLevel });
  const { last_check_ms: took } = status.manager;
  const manager = status.manager.running
    ? chalk.green(`running (pid ${status.manager.pid}${took === null ? '' : `, last check took ${took} ms`})`)
    : chalk.yellow('not running');
  const session = status.session.exists ? status.session.name : `${status.session.name} (missing)`;
  const table = new TextTable(['Worker', 'Pane', 'Health', 'Task', 'Done', 'Failed', 'Restarts', 'Heartbeat']);
  for (const row of status.workers) {
    const bad = ['missing', 'exited', 'process-gone', 'dead', 'gave-up'].includes(row.health);
    table.push([
      String(row.id),
      row.pane ?? '-',
      bad ? chalk.red(row.health) : row.health,
      row.current_task === 'none' ? '-' : row.current_task,
      String(row.completed),
      String(row.failed),
      String(row.restarts),
      row.heartbeat_age_s === null ? 'never' : `${formatDuration(row.heartbeat_age_s * 1000)} ago`,
    ]);
  }
  return [
    `Manager: ${manager}`,
    `Session: ${session}`,
    ...(status.pause === null ? [] : [chalk.yellow(`Dispatch ${status.pause} (worker-manager resume lifts it)`)]),
    '',
    status.workers.length === 0 ? 'No workers in the pool.' : table.toString(),
    '',
    chalk.bold('Recent manager log:'),
    ...(status.recent_log.length === 0 ? ['  none'] : status.recent_log.map((line) => `  ${line}`)),
  ].join('\n');
}
