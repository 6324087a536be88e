import { sandboxState, type SandboxState } from '../adapters/bubblewrap/probe.js';
import { existsSync, statSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { WorkersError } from '../core/errors.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { workerKey } from '../core/worker-ref.js';
import { managerDir, openManagerState } from '../health/manager-state.js';
import { createEventLog } from '../core/event-log.js';
import type { PerformanceContext } from '../performance/load.js';
import { readQueueState } from '../performance/queue-state.js';
import { openPoolPause } from '../pause/open-pool-pause.js';
import { readDispatchHolds } from '../github/dispatch-holds.js';
import type { PullRequestLink } from '../github/parent-status.js';
import { openFleetStores } from '../health/open-stores.js';
import type { QueueBackend, QueueTask } from '../queue/backend.js';
import type { DashboardActions } from './actions.js';
import { isLoopbackHost } from './auth.js';
import { buildDashboardState, type DashboardState } from './dashboard-state.js';
import { LiveState } from './live-state.js';
import { canTellPeerUser, peerUser } from './peer-user.js';
import { createDashboardServer } from './server.js';
import { SseHub } from './sse-hub.js';

export interface ServeContext {
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  /** WORKERS_DASHBOARD_TOKEN; empty or undefined is none. */
  readonly token: string | undefined;
  /** Asks the running manager to restart a worker (the CLI wires it to worker-manager's pool); null without --allow-actions. */
  readonly restartWorker: ((id: number) => Promise<string>) | null;
}

const KILL_GRACE_MS = 5000;
const LINKS_MS = 10_000;

/** Refuses before anything listens: a non-loopback address or actions without a token. */
export function checkServeOptions(options: Pick<ServeOptions, 'host' | 'token'> & { readonly allowActions: boolean }): string | null {
  const token = options.token === undefined || options.token === '' ? null : options.token;
  if (token === null && !isLoopbackHost(options.host)) {
    throw new WorkersError('usage', `Serving on ${options.host} (not loopback) needs a token: set WORKERS_DASHBOARD_TOKEN.`);
  }
  if (token === null && options.allowActions)
    throw new WorkersError('usage', '--allow-actions needs a token: set WORKERS_DASHBOARD_TOKEN.');
  if (token === null && !canTellPeerUser())
    throw new WorkersError(
      'usage',
      'This system does not tell which user opens a connection, so the dashboard needs a token to keep other users out: set WORKERS_DASHBOARD_TOKEN.',
    );
  return token;
}

function openQueue(context: ServeContext): () => Promise<QueueBackend> {
  let backend: Promise<QueueBackend> | undefined;
  return () => {
    backend ??= import('../queue/open-backend.js').then(
      async ({ openQueueBackend }) => (await openQueueBackend({ ...context, startDaemon: false })).backend,
    );
    backend.catch(() => {
      backend = undefined;
    });
    return backend;
  };
}

/**
 * The page names a task as a person does (src/queue/task-ref.ts): by sub-issue, in the repository
 * the dashboard was started in unless the reference names one; a queue id only as `id:12`.
 */
async function findTask(backend: QueueBackend, ref: string, env: NodeJS.ProcessEnv): Promise<QueueTask> {
  const [{ resolveTask }, { parseTaskRef }, { repositoryIdentity }] = await Promise.all([
    import('../queue/queue-commands.js'),
    import('../queue/task-ref.js'),
    import('../adapters/github/repository-name.js'),
  ]);
  return resolveTask(backend, parseTaskRef(ref), await repositoryIdentity({ cwd: process.cwd(), env }));
}

function dashboardActions(
  context: ServeContext,
  queue: () => Promise<QueueBackend>,
  restartWorker: (id: number) => Promise<string>,
): DashboardActions {
  return {
    // Each acts only on the task named, and refuses in one sentence a state it does not apply to.
    retry: async (ref) => {
      const [{ retryTask }, { taskLabel }] = await Promise.all([import('../queue/queue-commands.js'), import('../queue/task-ref.js')]);
      const backend = await queue();
      const task = await retryTask(backend, await findTask(backend, ref, context.env));
      return `${taskLabel(task)} is back in the queue.`;
    },
    kill: async (ref) => {
      const [{ killTask }, { taskLabel }] = await Promise.all([import('../queue/queue-commands.js'), import('../queue/task-ref.js')]);
      const backend = await queue();
      const task = await killTask(backend, await findTask(backend, ref, context.env), KILL_GRACE_MS);
      return `The run of ${taskLabel(task)} was stopped; its worker records it as cancelled.`;
    },
    resume: async () => {
      const lifted = await openPoolPause(context).lift();
      return lifted === null ? 'The pool was not paused.' : 'The pool resumed.';
    },
    restart: restartWorker,
  };
}

function heartbeatAges(state: DashboardState): Map<string, number> {
  return new Map(
    state.workers.flatMap((worker) => (worker.heartbeat_age_s === null ? [] : [[workerKey(worker), worker.heartbeat_age_s] as const])),
  );
}

/** `worker-performance serve`: listens until `signal` aborts; `say` gets the address once it listens. */
export async function serve(context: ServeContext, options: ServeOptions, say: (line: string) => void, signal: AbortSignal): Promise<void> {
  const token = checkServeOptions({ ...options, allowActions: options.restartWorker !== null });
  const queue = openQueue(context);
  const log = createEventLog(context.paths.healthLog, context.paths.alertsLog, context.now);
  const managerState = openManagerState(context.paths, log, context.settings.LOCK_STALE_TIMEOUT, context.now);
  const pause = openPoolPause(context);
  const stores = openFleetStores(context);
  const performance = (): PerformanceContext => ({
    paths: context.paths,
    settings: context.settings,
    now: context.now(),
    cores: availableParallelism(),
    queue: () => readQueueState(queue),
    env: context.env,
  });
  // Probed once per server (a bwrap run): the host's ability does not change between refreshes.
  let sandbox: Promise<SandboxState> | undefined;
  // The repository the page shows by default: the one the server was started in, found once.
  let repository: Promise<string> | undefined;
  // Which pull request each task ended in: the whole history (a database query on postgres), so read
  // at most every LINKS_MS, not at every rebuild; the watcher's small file is read each time.
  let links: { at: number; value: Promise<ReadonlyMap<string, PullRequestLink>> } | undefined;
  const pullLinks = () => {
    const now = Date.now();
    if (links === undefined || now - links.at >= LINKS_MS) {
      const value = import('../github/parent-status.js').then(({ readPullRequestLinks }) => readPullRequestLinks(stores.history));
      links = { at: now, value };
      value.catch(() => (links = undefined));
    }
    return links.value;
  };
  const build = () =>
    buildDashboardState({
      sandbox: () => (sandbox ??= sandboxState(context.settings.SANDBOX, context.env, process.platform)),
      performance: performance(),
      queueTasks: async () => {
        try {
          const backend = await queue();
          const [tasks, depth] = await Promise.all([backend.list(), backend.depth()]);
          return { backend: backend.name, tasks, depth };
        } catch (error) {
          return { unavailable: (error as Error).message };
        }
      },
      managerState: () => managerState.read(),
      pause: () => pause.current(),
      holds: () => readDispatchHolds({ ...context, history: stores.history }),
      alertsLog: context.paths.alertsLog,
      taskPulls: async (tasks) => {
        const [{ taskPulls }, { openPullWatchStore }] = await Promise.all([
          import('../github/task-pulls.js'),
          import('../github/pull-request-watcher.js'),
        ]);
        return taskPulls(tasks, await pullLinks(), await openPullWatchStore(context.paths).read());
      },
      repo: () =>
        (repository ??= import('../adapters/github/repository-name.js').then(({ repositoryIdentity }) =>
          repositoryIdentity({ cwd: process.cwd(), env: context.env }),
        )),
    });
  const hub = new SseHub();
  const live = new LiveState(async () => JSON.stringify(await build()), {
    dirs: [context.paths.healthDir, context.paths.stateDir, context.paths.errorsDir, managerDir(context.paths), context.paths.queueDir],
    listening: () => hub.size > 0,
    onChange: (json) => hub.broadcast(json),
  });
  const peers = new WeakMap<Socket, number | undefined>();
  const server = createDashboardServer({
    token,
    loopbackOnly: {
      hosts: [...new Set(['localhost', '127.0.0.1', '[::1]', options.host.includes(':') ? `[${options.host}]` : options.host])],
      ownerUid: existsSync(context.paths.root) ? statSync(context.paths.root).uid : (process.getuid?.() ?? -1),
      peerUid: (request) => {
        // Once per connection: a keep-alive connection's later requests come from the same user.
        if (peers.has(request.socket)) return peers.get(request.socket);
        const { remotePort, localPort } = request.socket;
        const uid = remotePort === undefined || localPort === undefined ? undefined : peerUser(remotePort, localPort);
        peers.set(request.socket, uid);
        return uid;
      },
    },
    actions: options.restartWorker === null ? null : dashboardActions(context, queue, options.restartWorker),
    taskLog: async (ref) => (await import('./task-log.js')).renderTaskLog(context.paths, await queue(), ref, context.env),
    hub,
    state: () => live.current(),
    metrics: async () => {
      const state = await build();
      const { renderProm } = await import('../performance/export-prom.js');
      return renderProm(state.report, { heartbeatAgeS: heartbeatAges(state), poolPaused: state.pause !== null });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new WorkersError(
          'conflict',
          `Cannot listen on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}.`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  live.start();
  const { port } = server.address() as AddressInfo;
  say(
    `Serving the dashboard on http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/ (${token === null ? 'loopback, no token' : 'token required'}, ${options.restartWorker === null ? 'read-only' : 'actions allowed'}).`,
  );
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  live.stop();
  hub.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A client holding a connection (idle keep-alive, half a request) must not keep serve alive.
  server.closeAllConnections();
  await closed;
}
