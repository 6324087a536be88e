import { sharesDatabase } from '../core/shared-database.js';
import { WorkersError } from '../core/errors.js';
import type { QueueBackend, TaskKind } from '../queue/backend.js';
import { MIN_PRIORITY } from '../queue/task-rules.js';
import type { TmuxOptions } from '../adapters/tmux.js';
import { createEventLog, type EventLog } from '../core/event-log.js';
import type { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import type { HealthStore } from '../health/health-store.js';
import { openHealthStore } from '../health/open-stores.js';
import { openManagerState, type ManagerState } from '../health/manager-state.js';
import { Supervisor } from './supervisor.js';
import {
  buildWorkerCommand,
  leanCertificateEnv,
  LEAN_MALLOC_ENV,
  LEAN_NODE_FLAGS,
  workerEnvironment,
  type WorkerLaunch,
} from './worker-command.js';

/** What every manager command needs; the CLI builds it from the process, tests from a temp root. */
export interface ManagerContext {
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly now: () => Date;
  readonly launch: WorkerLaunch;
  /** The environment the manager was started with (the queue backend and notification sinks read it). */
  readonly env?: NodeJS.ProcessEnv;
  /** Requeues the in-flight task of a worker removed by force (wired to the queue backend). */
  readonly requeueTasksOf?: (workerId: number) => Promise<void>;
  /** Returns the claims of workers that are gone and not among `comingBack` (orphan-claims.ts). */
  readonly returnOrphanedClaims?: (comingBack: ReadonlySet<number>, log: EventLog) => Promise<void>;
  /** Every GC_INTERVAL: finished tasks' worktrees and old run files (gc/garbage-pass.ts). */
  readonly collectGarbage?: (log: EventLog) => Promise<void>;
  /** A shared queue (postgres): stops this host's runs that a `kill` on another host asked for. */
  readonly actOnKillRequests?: (log: EventLog) => Promise<void>;
  /** GitHub mode: follows the pool's pull requests (github/pull-request-watcher.ts); `tick` never waits. */
  readonly startPullRequestWatch?: (log: EventLog) => Promise<{ tick(): void; stop(): Promise<void> }>;
}

export interface Pool {
  readonly tmux: TmuxOptions;
  readonly session: string;
  readonly log: EventLog;
  readonly health: HealthStore;
  readonly state: JsonFile<ManagerState>;
  readonly supervisor: Supervisor;
}

/**
 * The context a CLI builds for the manager from its own: workers run `workerBin` in `cwd` (the
 * repository) with the manager's settings and data root; a forced removal requeues through the
 * queue, opened only when needed.
 */
export function managerContextFor(
  context: { readonly paths: DataPaths; readonly settings: Settings; readonly now: () => Date; readonly env: NodeJS.ProcessEnv },
  where: { readonly workerBin: string; readonly cwd: string },
): ManagerContext {
  return {
    paths: context.paths,
    settings: context.settings,
    now: context.now,
    env: context.env,
    requeueTasksOf: async (id) => (await import('./requeue.js')).requeueTasksOfWorker(context)(id),
    returnOrphanedClaims: async (comingBack, log) => {
      const [{ openQueueBackend }, { returnOrphanedClaims }] = await Promise.all([
        import('../queue/open-backend.js'),
        import('./orphan-claims.js'),
      ]);
      const { backend } = await openQueueBackend(context);
      await returnOrphanedClaims(backend, { paths: context.paths, lockStaleMs: context.settings.LOCK_STALE_TIMEOUT, comingBack, log });
    },
    collectGarbage: async (log) => {
      const [{ openQueueBackend }, { collectGarbage }] = await Promise.all([
        import('../queue/open-backend.js'),
        import('../worker/garbage-pass.js'),
      ]);
      const { backend } = await openQueueBackend(context);
      await collectGarbage({ repo: where.cwd, paths: context.paths, settings: context.settings, backend, now: context.now(), log });
    },
    ...(sharesDatabase(context.settings) ? { actOnKillRequests: killRequestsOf(context) } : {}),
    startPullRequestWatch: async (log) => {
      const [{ startPullRequestWatcher }, { openFleetStores }] = await Promise.all([
        import('../github/pull-request-watcher.js'),
        import('../health/open-stores.js'),
      ]);
      const { history } = openFleetStores(context);
      const { paths, settings, env, now } = context;
      const openBackend = async () => (await (await import('../queue/open-backend.js')).openQueueBackend(context)).backend;
      const followUps = { max: settings.FOLLOWUP_MAX, queue: queueFollowUp(context) };
      return startPullRequestWatcher(
        {
          cwd: where.cwd,
          env,
          paths,
          history,
          intervalMs: settings.PR_POLL_INTERVAL,
          now,
          openBackend,
          followUps,
          ...(settings.AUTO_MERGE === 'off' ? {} : { autoMerge: settings.AUTO_MERGE }),
          stackOnBlockers: settings.STACK_ON_BLOCKERS,
          afterRound: async (round) =>
            (await import('../github/base-updates.js')).updateOnMovedBase({
              ...round,
              repoDir: where.cwd,
              method: settings.PR_UPDATE_METHOD,
            }),
        },
        log,
      );
    },
    launch: {
      nodePath: process.execPath,
      nodeFlags: LEAN_NODE_FLAGS,
      workerBin: where.workerBin,
      cwd: where.cwd,
      env: {
        ...workerEnvironment(context.env),
        ...LEAN_MALLOC_ENV,
        ...leanCertificateEnv(context.env, context.settings),
        CLAUDE_WORKERS_HOME: context.paths.root,
      },
    },
  };
}

/**
 * A follow-up goes ahead of new work (priority 1, the most urgent); the queue refuses a second
 * active task of the sub-issue, so a follow-up never starts while the previous one runs.
 */
function queueFollowUp(
  context: Parameters<typeof managerContextFor>[0],
): (spec: { subissue: string; parent: string; kind: TaskKind; repo: string }) => Promise<boolean> {
  // Opened once (a database pool, not one per follow-up); a failed open is tried again next time.
  let opened: Promise<QueueBackend> | undefined;
  return async (spec) => {
    opened ??= import('../queue/open-backend.js').then(async ({ openQueueBackend }) => (await openQueueBackend(context)).backend);
    const backend = await opened.catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    try {
      await backend.add({ ...spec, priority: MIN_PRIORITY });
      return true;
    } catch (error) {
      if (error instanceof WorkersError && error.kind === 'conflict') return false;
      throw error;
    }
  };
}

/** Between SIGTERM and SIGKILL for a run killed from another host, as `worker-queue kill` waits. */
const REMOTE_KILL_GRACE_MS = 5000;

/** The queue is opened once for all passes (a database pool, not one per pass). */
function killRequestsOf(context: Parameters<typeof managerContextFor>[0]): (log: EventLog) => Promise<void> {
  let opened: ReturnType<typeof openBackendOnce> | undefined;
  const openBackendOnce = async () => (await (await import('../queue/open-backend.js')).openQueueBackend(context)).backend;
  return async (log) => {
    opened ??= openBackendOnce();
    // A failed open is tried again at the next pass.
    const backend = await opened.catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    for (const id of (await backend.capabilities.actOnKillRequests?.(REMOTE_KILL_GRACE_MS)) ?? [])
      await log.log('INFO', `Stopped the run of task ${id} on this host: worker-queue kill on another host asked for it.`);
  };
}

export const tmuxOptionsFor = (settings: Pick<Settings, 'WORKERS_TMUX_SOCKET'>): TmuxOptions => ({ socket: settings.WORKERS_TMUX_SOCKET });

/**
 * The manager's own tmux server (`-L <workers' socket>-manager`, `default-manager` for the tmux
 * default): a workers' server that dies (SIGKILL, OOM, `tmux kill-server`) does not take the
 * manager with it, so the manager can rebuild it.
 */
export const managerTmuxOptionsFor = (settings: Pick<Settings, 'WORKERS_TMUX_SOCKET'>): TmuxOptions => ({
  socket: `${settings.WORKERS_TMUX_SOCKET === '' ? 'default' : settings.WORKERS_TMUX_SOCKET}-manager`,
});

export function openPool(context: ManagerContext): Pool {
  const { paths, settings, now } = context;
  const tmux = tmuxOptionsFor(settings);
  const session = settings.WORKERS_SESSION;
  // manager.log with the ALERTs also in the shared alerts log, where the dashboards look.
  const log = createEventLog(paths.managerLog, paths.alertsLog, now);
  const health = openHealthStore({ paths, settings, now, ...(context.env ? { env: context.env } : {}) });
  const state = openManagerState(paths, log, settings.LOCK_STALE_TIMEOUT, now);
  const supervisor = new Supervisor({
    tmux,
    session,
    paths,
    settings,
    log,
    health,
    state,
    now,
    workerCommand: (id) => buildWorkerCommand(context.launch, id),
    ...(context.requeueTasksOf ? { requeueTasksOf: context.requeueTasksOf } : {}),
  });
  return { tmux, session, log, health, state, supervisor };
}
