import { statSync } from 'node:fs';
import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';
import { loadSettings, type Settings } from '../core/settings.js';
import { readPullRequestLinks } from '../github/parent-status.js';
import { openFleetStores } from '../health/open-stores.js';
import { openManagerState } from '../health/manager-state.js';
import { budgetGateOf } from '../github/dispatch-holds.js';
import { openPullWatchStore } from '../github/pull-request-watcher.js';
import { reviewWait } from '../github/review-capacity.js';
import { openPoolPause } from '../pause/open-pool-pause.js';
import type { QueueBackend } from '../queue/backend.js';
import { parseEventFilter } from './events.js';
import { Notifier, type DeliveredParent } from './notifier.js';
import { openNotifyState } from './notify-state.js';
import { observe } from './observe.js';
import { pullsSeen } from './pull-events.js';
import { configuredSinks, type Sink } from './sinks.js';

export interface NotifyContext {
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

/** The longest a step waits; also how soon a change on disk is seen. */
const LOOK_EVERY_MS = 500;
/** Asking Pueue costs a process; the queue is asked this often at most. */
const QUEUE_EVERY_MS = 5000;

/** The queue, opened once on first use and again after a failure. */
function lazyBackend(context: NotifyContext): () => Promise<QueueBackend> {
  let backend: Promise<QueueBackend> | undefined;
  return () =>
    (backend ??= import('../queue/open-backend.js')
      .then(async ({ openQueueBackend }) => (await openQueueBackend({ ...context, startDaemon: false })).backend)
      .catch((error: unknown) => {
        backend = undefined;
        throw error;
      }));
}

/** The queue's queued plus claimed count, asked at most every QUEUE_EVERY_MS; null when it cannot answer. */
function throttledActiveTasks(backend: () => Promise<QueueBackend>): () => Promise<number | null> {
  let last: { at: number; value: number | null } | undefined;
  return async () => {
    const nowMs = Date.now();
    if (last !== undefined && nowMs - last.at < QUEUE_EVERY_MS) return last.value;
    let value: number | null = null;
    try {
      const depth = await (await backend()).depth();
      value = depth.queued + depth.claimed;
    } catch {
      value = null;
    }
    last = { at: nowMs, value };
    return value;
  };
}

/**
 * The sinks config.json configures now: read again when its mtime changes, so a webhook added
 * while the manager runs is used from the next step. A broken file keeps the sinks it had.
 */
export function liveSinks(context: NotifyContext, log: EventLog): () => readonly Sink[] {
  const mtime = () => {
    try {
      return statSync(context.paths.configFile).mtimeMs;
    } catch {
      return null;
    }
  };
  let seen = mtime();
  let sinks: readonly Sink[] = configuredSinks(context.settings, context.env);
  return () => {
    const now = mtime();
    if (now === seen) return sinks;
    seen = now;
    try {
      sinks = configuredSinks(loadSettings(context.paths.configFile, context.env), context.env);
      void log.log(
        'INFO',
        `config.json changed: notifications now go to ${sinks.length === 0 ? 'no sink' : sinks.map((sink) => sink.name).join(', ')}.`,
      );
    } catch (error) {
      void log.log('ERROR', `config.json changed but cannot be used (${(error as Error).message}); notifications keep their sinks.`);
    }
    return sinks;
  };
}

/** A parent whose every queued sub-issue is done, with the pull requests the history links them to. */
function deliveredParentOf(backend: () => Promise<QueueBackend>, history: Parameters<typeof readPullRequestLinks>[0]) {
  return async (parent: string): Promise<DeliveredParent | null> => {
    const tasks = (await (await backend()).list()).filter((task) => task.parent === parent);
    if (tasks.length === 0 || tasks.some((task) => task.status !== 'done')) return null;
    const links = await readPullRequestLinks(history);
    const pullRequests = tasks.flatMap((task) => {
      const link = links.get(task.subissue);
      return link === undefined ? [] : [link.pr_url];
    });
    return { tasks: tasks.length, pullRequests };
  };
}

/** The spend is read (the whole history) at most this often. */
const BUDGET_LOOK_MS = 5000;

export function createNotifier(context: NotifyContext, log: EventLog, sinks = liveSinks(context, log)): Notifier {
  const { paths, settings, now } = context;
  const { health, history } = openFleetStores({ paths, settings, env: context.env, now });
  const managerState = openManagerState(paths, log, settings.LOCK_STALE_TIMEOUT, now);
  const pause = openPoolPause(context);
  const backend = lazyBackend(context);
  const budgets = budgetGateOf({ paths, settings, env: context.env, history, now }, BUDGET_LOOK_MS);
  const sources = {
    metrics: () => health.read(),
    managerState: () => managerState.read(),
    pause: () => pause.current(),
    activeTasks: throttledActiveTasks(backend),
    budgets: () => budgets.looks(),
    reviews: async () => (settings.MAX_OPEN_PRS === 0 ? null : reviewWait(await openPullWatchStore(paths).read(), settings.MAX_OPEN_PRS)),
    pulls: async () => pullsSeen(await openPullWatchStore(paths).read()),
  };
  return new Notifier({
    state: openNotifyState(paths, log, settings.LOCK_STALE_TIMEOUT),
    sinks,
    filter: parseEventFilter(settings.NOTIFY_EVENTS),
    look: (at) => observe(sources, settings, at),
    historyFile: paths.historyFile,
    log,
    now,
    coalesceMs: settings.NOTIFY_COALESCE,
    perMinute: settings.NOTIFY_RATE_LIMIT,
    deliveredParent: deliveredParentOf(backend, history),
    autoMerge: settings.AUTO_MERGE !== 'off',
  });
}

export interface RunningNotifications {
  stop(): Promise<void>;
}

/**
 * The manager's notifications, on their own timer: a slow webhook never holds up a check. While
 * no sink is configured only config.json's mtime is looked at; when a sink appears, the pool as it
 * is then is the baseline (what happened with nobody to tell is not news).
 */
export function startNotifications(context: NotifyContext, log: EventLog): RunningNotifications {
  let notifier: Notifier;
  const sinks = liveSinks(context, log);
  try {
    notifier = createNotifier(context, log, sinks);
  } catch (error) {
    void log.log('ERROR', `Notifications are off: ${(error as Error).message}`);
    return { stop: async () => undefined };
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let hadSinks = sinks().length > 0;
  const schedule = (dueAt: number | null) => {
    if (stopped) return;
    const wait = Math.min(LOOK_EVERY_MS, Math.max(50, (dueAt ?? Number.POSITIVE_INFINITY) - Date.now()));
    timer = setTimeout(tick, wait);
    timer.unref();
  };
  const tick = () => {
    const hasSinks = sinks().length > 0;
    if (!hasSinks) {
      hadSinks = false;
      schedule(null);
      return;
    }
    const first = hadSinks ? Promise.resolve() : notifier.rebaseline();
    hadSinks = true;
    running = first
      .then(() => notifier.step())
      .then(schedule, async (error: unknown) => {
        await log.log('ERROR', `Notifications: ${(error as Error).message}`).catch(() => undefined);
        schedule(null);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
