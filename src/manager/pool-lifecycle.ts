import { hasSession, killSession } from '../adapters/tmux.js';
import { PueueClient } from '../adapters/pueue/client.js';
import { readStartedDaemon } from '../adapters/pueue/started-daemon.js';
import { openQueueBackend, startedPueuedFile } from '../queue/open-backend.js';
import { scale, startManager, type ManagerLaunch, type Say } from './commands.js';
import { runningManagerPid, stopManager } from './manager-process.js';
import { rememberedPoolSize, workerIds } from '../health/manager-state.js';
import { managerTmuxOptionsFor, openPool, type ManagerContext } from './pool.js';
import { terminateProcess } from '../adapters/process.js';

const DAEMON_EXIT_WAIT_MS = 20_000;

/**
 * `worker-manager ensure`: starts whatever of the pool is not running (the queue daemon, the
 * workers' session and panes with the pool size last asked for, the manager) and leaves alone
 * what runs, so it is safe at boot, from cron and by hand. With `inForeground` the caller runs
 * the manager loop itself (a service manager's main process), so none is started in tmux.
 */
export async function ensure(
  context: ManagerContext,
  launch: ManagerLaunch,
  how: { inForeground: boolean },
  say: Say,
  warn: Say,
): Promise<void> {
  const { backend, notice } = await openQueueBackend({
    paths: context.paths,
    settings: context.settings,
    env: context.launch.env,
    now: context.now,
  });
  // Any call reaches the daemon and starts it when it is down.
  const depth = await backend.depth();
  say(`${notice} ${depth.queued} queued, ${depth.claimed} claimed.`);
  const size = rememberedPoolSize(await openPool(context).state.read());
  if (size > 0) await scale(context, size, false, say, warn);
  else say('The pool size is 0: no worker to start (worker-manager scale N sets it).');
  if (!how.inForeground) {
    await startManager(context, launch, say);
    return;
  }
  const pid = await runningManagerPid(context.paths);
  if (pid !== null && pid !== process.pid) {
    // The service's loop takes over from one started in tmux by hand.
    await stopManager(context.paths, managerTmuxOptionsFor(context.settings), launch.monitorSession);
    say(`Stopped the manager started outside the service (pid ${pid}); this process runs it now.`);
  }
}

/**
 * `worker-manager shutdown`: the manager first (so it rebuilds nothing), then every worker
 * (drained, or stopped at once with their tasks requeued), the workers' session, and a Pueue
 * daemon the toolkit started. The pool size is kept, so `ensure` brings the same pool back.
 */
export async function shutdown(context: ManagerContext, launch: ManagerLaunch, now: boolean, say: Say, warn: Say): Promise<void> {
  const stopped = await stopManager(context.paths, managerTmuxOptionsFor(context.settings), launch.monitorSession);
  say(stopped ? 'Manager stopped.' : 'The manager was not running.');
  const pool = openPool(context);
  if (workerIds(await pool.state.read()).length > 0 || (await hasSession(pool.tmux, pool.session))) {
    await scale(context, 0, now, say, warn, false);
  }
  // What is left of the session: a dashboard window, panes nobody tagged.
  if (await hasSession(pool.tmux, pool.session)) await killSession(pool.tmux, pool.session);
  await stopStartedDaemon(context, say);
  say('The pool is shut down; worker-manager ensure starts it again.');
}

/** Stops the pueued the toolkit started, unless tasks of other groups are queued or running on it. */
async function stopStartedDaemon(context: ManagerContext, say: Say): Promise<void> {
  const daemon = readStartedDaemon(startedPueuedFile(context.paths));
  if (daemon === null) return;
  const client = new PueueClient({
    env: context.launch.env,
    startDaemon: false,
    ...(daemon.config_path === null ? {} : { configPath: daemon.config_path }),
  });
  const state = await client.status().catch(() => null);
  const others =
    state?.tasks.filter((task) => task.group !== context.settings.PUEUE_GROUP && (task.kind === 'Running' || task.kind === 'Queued')) ?? [];
  if (others.length > 0) {
    say(
      `The Pueue daemon (pid ${daemon.pid}) keeps running: ${others.length} task${others.length > 1 ? 's' : ''} of other groups are on it.`,
    );
    return;
  }
  await terminateProcess(daemon.pid, DAEMON_EXIT_WAIT_MS);
  say(`Stopped the Pueue daemon the pool started (pid ${daemon.pid}).`);
}
