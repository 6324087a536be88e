import { Chalk } from 'chalk';
import { fitTable, wrapLine, type FitColumn } from '../core/fit-width.js';
import { hasSession, listWorkerPanes, type PaneInfo } from '../adapters/tmux.js';
import { formatDuration } from '../core/duration.js';
import { readLastLines } from '../core/log-tail.js';
import { classifyHealth, heartbeatAgeMs } from '../health/classify.js';
import type { FleetMetrics } from '../health/health-store.js';
import type { Metrics, WorkerRecord } from '../health/metrics-schema.js';
import { compareWorkers, hasSeveralHosts, splitWorkerKey } from '../core/worker-ref.js';
import { classifyWorker, type WorkerVerdict } from './classify-worker.js';
import { runningManager } from './manager-process.js';
import { workerIds, type ManagerState } from '../health/manager-state.js';
import type { ManagerContext, Pool } from './pool.js';
import { isProcessAlive } from '../adapters/process.js';
import { readDiskPause } from '../pause/disk-floor.js';
import { holdLines, NO_HOLDS, readDispatchHolds, type DispatchHolds } from '../github/dispatch-holds.js';
import { openFleetStores } from '../health/open-stores.js';
import { openPoolPause } from '../pause/open-pool-pause.js';
import { describePause } from '../pause/usage-pause.js';
import { chooseQueueBackend } from '../queue/open-backend.js';
import { configuredSinks } from '../notify/sinks.js';
import { sandboxState, type SandboxState } from '../adapters/bubblewrap/probe.js';

export interface WorkerStatusRow {
  /** The host the worker runs on: this host's pool, or (postgres store) another host's worker. */
  readonly host: string;
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
  readonly manager: {
    readonly running: boolean;
    readonly pid: number | null;
    readonly last_check_ms: number | null;
    readonly last_check_at: string | null;
  };
  readonly session: { readonly name: string; readonly exists: boolean };
  /** Which queue backend the workers use and why (or why none can be used), one sentence. */
  readonly queue_backend: string;
  /** The pool-wide usage-limit pause in force, described, or null. */
  readonly pause: string | null;
  /** Why the pool stopped claiming for disk space (MIN_FREE_DISK), or null. */
  readonly disk_pause: string | null;
  /** Budgets (reached ones stop new attempts) and the review wait (MAX_OPEN_PRS). */
  readonly holds?: DispatchHolds;
  /** Where notifications go, as the running manager names its sinks (a webhook by its origin only). */
  readonly notifications?: readonly string[];
  /** Whether this host's workers run their agents sandboxed, and when not, why and the fix. */
  readonly sandbox?: SandboxState;
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

export function workerRow(
  host: string,
  id: number,
  pane: PaneInfo | undefined,
  state: ManagerState,
  metrics: Metrics,
  now: Date,
  context: ManagerContext,
): WorkerStatusRow {
  const entry = state.workers[String(id)];
  const record = metrics.workers[String(id)];
  const verdict = classifyWorker(
    { pane, processAlive: isProcessAlive(pane?.pid ?? null), record, startedAt: entry?.started_at ?? null },
    now,
    context.settings,
  );
  const manager = entry?.gave_up
    ? 'gave-up'
    : entry?.next_restart_at
      ? 'backoff'
      : entry?.intent === 'remove' || entry?.drain_requested_at
        ? 'draining'
        : undefined;
  return {
    ...countersOf(record, now),
    host,
    id,
    pane: pane?.paneId ?? null,
    health: manager ?? verdictWord(verdict),
    restarts: entry?.restarts ?? record?.restarts ?? 0,
  };
}

function countersOf(record: WorkerRecord | undefined, now: Date) {
  const age = record ? heartbeatAgeMs(record, now) : undefined;
  return {
    current_task: record?.current_task ?? 'none',
    completed: record?.tasks_completed ?? 0,
    failed: record?.tasks_failed ?? 0,
    heartbeat_age_s: age === undefined || !Number.isFinite(age) ? null : Math.round(age / 100) / 10,
  };
}

/** The other hosts' workers of a shared store, as their heartbeats show them (this manager has no pane of theirs). */
function otherHostRows(fleet: FleetMetrics, localHost: string, now: Date, context: ManagerContext): WorkerStatusRow[] {
  return Object.entries(fleet.workers)
    .map(([key, record]) => ({ ...splitWorkerKey(key), record }))
    .filter((worker) => worker.host !== localHost)
    .sort(compareWorkers)
    .map(({ host, id, record }) => ({
      ...countersOf(record, now),
      host,
      id,
      pane: null,
      health: classifyHealth(record, now, context.settings),
      restarts: record.restarts,
    }));
}

/** A history or record that cannot be read shows no hold rather than no status. */
async function statusHolds(context: ManagerContext): Promise<DispatchHolds> {
  const env = context.env ?? {};
  const stores = openFleetStores({ paths: context.paths, settings: context.settings, env, now: context.now });
  try {
    return await readDispatchHolds({ ...context, env, history: stores.history }).catch(() => NO_HOLDS);
  } finally {
    await stores.close();
  }
}

export async function buildStatus(context: ManagerContext, pool: Pool): Promise<ManagerStatus> {
  const now = context.now();
  const usage = openPoolPause({ ...context, env: context.env ?? {} });
  const [loop, exists, panes, state, metrics, fleet, recent, pause, queueBackend, sandbox] = await Promise.all([
    runningManager(context.paths),
    hasSession(pool.tmux, pool.session),
    listWorkerPanes(pool.tmux, pool.session),
    pool.state.read(),
    pool.health.read(),
    pool.health.readFleet(),
    readLastLines(context.paths.managerLog, RECENT_LOG_LINES),
    usage.current(),
    // The data root's record, else the workers' environment decides their backend (PATH, WORKER_BACKEND).
    chooseQueueBackend({ settings: context.settings, env: context.launch.env, paths: context.paths }).then(
      (choice) => choice.notice,
      (error: unknown) => `Queue backend: none usable (${(error as Error).message})`,
    ),
    sandboxState(context.settings.SANDBOX, context.launch.env, process.platform),
  ]);
  const ids = [...new Set([...workerIds(state), ...panes.keys()])].sort((a, b) => a - b);
  const holds = await statusHolds(context);
  return {
    generated_at: now.toISOString(),
    manager: {
      running: loop !== null,
      pid: loop?.pid ?? null,
      last_check_ms: loop?.last_pass_ms ?? null,
      last_check_at: loop?.last_pass_at ?? null,
    },
    session: { name: pool.session, exists },
    queue_backend: queueBackend,
    pause: pause === null ? null : describePause(pause),
    disk_pause: readDiskPause(context.paths),
    holds,
    notifications: configuredSinks(context.settings, context.env ?? {}).map((sink) => sink.name),
    sandbox,
    workers: [
      ...ids.map((id) => workerRow(pool.health.host, id, panes.get(id), state, metrics, now, context)),
      ...otherHostRows(fleet, pool.health.host, now, context),
    ],
    recent_log: recent,
  };
}

/** A narrow terminal loses Pane first, then Restarts and Failed. */
const WORKER_COLUMNS: readonly FitColumn[] = [
  { head: 'Host', minWidth: 6 },
  { head: 'Worker' },
  { head: 'Pane', drop: 1 },
  { head: 'Health' },
  { head: 'Task', minWidth: 8 },
  { head: 'Done' },
  { head: 'Failed', drop: 3 },
  { head: 'Restarts', drop: 2 },
  { head: 'Heartbeat' },
];

/** `columns`: the terminal's width, which the view fits (undefined: no limit). */
export function renderStatus(status: ManagerStatus, colorLevel: 0 | 1 | 2 | 3, columns?: number): string {
  const chalk = new Chalk({ level: colorLevel });
  const { last_check_ms: took } = status.manager;
  const manager = status.manager.running
    ? chalk.green(`running (pid ${status.manager.pid}${took === null ? '' : `, last check took ${took} ms`})`)
    : chalk.yellow('not running');
  const session = status.session.exists ? status.session.name : `${status.session.name} (missing)`;
  const fit = (line: string) => wrapLine(line, columns);
  // The Host column only where the rows are of several hosts (the postgres store's fleet).
  const hosts = hasSeveralHosts(status.workers);
  const rows = status.workers.map((row) => {
    const bad = ['missing', 'exited', 'process-gone', 'dead', 'gave-up'].includes(row.health);
    return [
      row.host,
      String(row.id),
      row.pane ?? '-',
      bad ? chalk.red(row.health) : row.health,
      row.current_task === 'none' ? '-' : row.current_task,
      String(row.completed),
      String(row.failed),
      String(row.restarts),
      row.heartbeat_age_s === null ? 'never' : `${formatDuration(row.heartbeat_age_s * 1000)} ago`,
    ];
  });
  return [
    `Manager: ${manager}`,
    ...fit(`Session: ${session}`),
    ...fit(status.queue_backend),
    ...(status.sandbox === undefined ? [] : fit(status.sandbox.line).map((line) => (status.sandbox!.in_use ? line : chalk.yellow(line)))),
    ...(status.disk_pause === null ? [] : fit(`Dispatch paused: disk (${status.disk_pause})`).map((line) => chalk.yellow(line))),
    ...(status.pause === null ? [] : fit(`Dispatch ${status.pause} (worker-manager resume lifts it)`).map((line) => chalk.yellow(line))),
    ...holdLines(status.holds ?? NO_HOLDS).flatMap((line) => fit(line).map((part) => chalk.yellow(part))),
    ...(status.notifications === undefined
      ? []
      : fit(
          `Notifications: ${status.notifications.length === 0 ? 'none configured (NOTIFY_WEBHOOK_URL, NOTIFY_COMMAND, NOTIFY_DESKTOP)' : status.notifications.join(', ')}`,
        )),
    '',
    status.workers.length === 0
      ? 'No workers in the pool.'
      : hosts
        ? fitTable(WORKER_COLUMNS, rows, columns)
        : fitTable(
            WORKER_COLUMNS.slice(1),
            rows.map((row) => row.slice(1)),
            columns,
          ),
    '',
    chalk.bold('Recent manager log:'),
    ...(status.recent_log.length === 0 ? ['  none'] : status.recent_log.flatMap((line) => fit(`  ${line}`))),
  ].join('\n');
}
