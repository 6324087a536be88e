import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { openHealthStore } from '../health/open-stores.js';
import { openManagerState } from '../health/manager-state.js';
import { openPoolPause } from '../pause/open-pool-pause.js';
import type { QueueBackend } from '../queue/backend.js';
import { parseEventFilter } from './events.js';
import { Notifier } from './notifier.js';
import { openNotifyState } from './notify-state.js';
import { observe } from './observe.js';
import { configuredSinks } from './sinks.js';

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

/** The queue's queued plus claimed count, asked at most every QUEUE_EVERY_MS; null when it cannot answer. */
function throttledActiveTasks(context: NotifyContext): () => Promise<number | null> {
  let backend: Promise<QueueBackend> | undefined;
  let last: { at: number; value: number | null } | undefined;
  return async () => {
    const nowMs = Date.now();
    if (last !== undefined && nowMs - last.at < QUEUE_EVERY_MS) return last.value;
    let value: number | null = null;
    try {
      backend ??= import('../queue/open-backend.js').then(
        async ({ openQueueBackend }) => (await openQueueBackend({ ...context, startDaemon: false })).backend,
      );
      const depth = await (await backend).depth();
      value = depth.queued + depth.claimed;
    } catch {
      backend = undefined;
    }
    last = { at: nowMs, value };
    return value;
  };
}

export function createNotifier(context: NotifyContext, log: EventLog): Notifier {
  const { paths, settings, now } = context;
  const health = openHealthStore({ paths, settings, env: context.env, now });
  const managerState = openManagerState(paths, log, settings.LOCK_STALE_TIMEOUT, now);
  const pause = openPoolPause(context);
  const sources = {
    metrics: () => health.read(),
    managerState: () => managerState.read(),
    pause: () => pause.current(),
    activeTasks: throttledActiveTasks(context),
  };
  return new Notifier({
    state: openNotifyState(paths, log, settings.LOCK_STALE_TIMEOUT),
    sinks: configuredSinks(settings, context.env),
    filter: parseEventFilter(settings.NOTIFY_EVENTS),
    look: (at) => observe(sources, settings, at),
    historyFile: paths.historyFile,
    log,
    now,
    coalesceMs: settings.NOTIFY_COALESCE,
    perMinute: settings.NOTIFY_RATE_LIMIT,
  });
}

export interface RunningNotifications {
  stop(): Promise<void>;
}

/**
 * The manager's notifications, on their own timer: a slow webhook never holds up a check. Nothing
 * runs when no sink is configured.
 */
export function startNotifications(context: NotifyContext, log: EventLog): RunningNotifications {
  let notifier: Notifier;
  try {
    notifier = createNotifier(context, log);
  } catch (error) {
    void log.log('ERROR', `Notifications are off: ${(error as Error).message}`);
    return { stop: async () => undefined };
  }
  if (configuredSinks(context.settings, context.env).length === 0) return { stop: async () => undefined };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const schedule = (dueAt: number | null) => {
    if (stopped) return;
    const wait = Math.min(LOOK_EVERY_MS, Math.max(50, (dueAt ?? Number.POSITIVE_INFINITY) - Date.now()));
    timer = setTimeout(tick, wait);
    timer.unref();
  };
  const tick = () => {
    running = notifier.step().then(schedule, async (error: unknown) => {
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
