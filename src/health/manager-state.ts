import { join } from 'node:path';
import { z } from 'zod';
import type { EventLog } from '../core/event-log.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';

/**
 * `manager/state.json`: the pool the manager keeps (which worker ids should run) and each worker's
 * restart history. It lives on disk, not in the manager's memory, so a restarted manager keeps the
 * counts and the give-up state (the shell tool lost them: docs/SPEC.md section 10), and so a CLI
 * command can ask the running manager for a change by editing it.
 *
 * intent: start (a new worker: start it, not counted as a restart), run (keep it running),
 * restart (replace it, drained first unless force), remove (drain it, unless force, then remove
 * its pane).
 */
export const WORKER_INTENTS = ['start', 'run', 'restart', 'remove'] as const;
export type WorkerIntent = (typeof WORKER_INTENTS)[number];

const workerEntrySchema = z.object({
  intent: z.enum(WORKER_INTENTS).default('run'),
  force: z.boolean().default(false),
  /** When the drain for the current intent was asked of the worker. */
  drain_requested_at: z.string().nullable().default(null),
  started_at: z.string().nullable().default(null),
  consecutive_unstable: z.number().int().nonnegative().default(0),
  restarts: z.number().int().nonnegative().default(0),
  /** Restarts not yet added to metrics.json: counted again by the next pass if the manager died first. */
  restarts_unrecorded: z.number().int().nonnegative().default(0),
  /**
   * Set, with the restart counted, just before a counted restart starts the pane; cleared once it
   * has. A manager killed in between leaves it set, so the next pass neither loses nor repeats the count.
   */
  restart_started_at: z.string().nullable().default(null),
  next_restart_at: z.string().nullable().default(null),
  last_reason: z.string().nullable().default(null),
  gave_up: z.boolean().default(false),
});

export type WorkerEntry = z.infer<typeof workerEntrySchema>;

export const managerStateSchema = z.object({
  version: z.literal(1).default(1),
  /** The pool size last asked for (setup, scale): what `worker-manager ensure` brings back. */
  pool_size: z.number().int().nonnegative().nullable().default(null),
  workers: z.record(z.string().regex(/^[1-9]\d{0,3}$/), workerEntrySchema).default({}),
});

export type ManagerState = z.infer<typeof managerStateSchema>;

export const emptyManagerState = (): ManagerState => ({ version: 1, pool_size: null, workers: {} });

export const newWorkerEntry = (): WorkerEntry => workerEntrySchema.parse({});

export const managerDir = (paths: DataPaths) => join(paths.root, 'manager');
export const managerStateFile = (paths: DataPaths) => join(managerDir(paths), 'state.json');
/** One line per pane death, appended by the tmux pane-died hook; the manager watches it. */
export const deathEventsFile = (paths: DataPaths) => join(managerDir(paths), 'pane-died.events');
export const managerPidFile = (paths: DataPaths) => join(managerDir(paths), 'manager.pid');

export function openManagerState(paths: DataPaths, log: EventLog, lockStaleMs: number, now?: () => Date): JsonFile<ManagerState> {
  return new JsonFile<ManagerState>({
    path: managerStateFile(paths),
    schema: managerStateSchema,
    empty: emptyManagerState,
    lockStaleMs,
    ...(now ? { now } : {}),
    onCorrupt: (movedTo, reason) =>
      log.log('ALERT', `manager/state.json was unreadable (${reason}); kept it as ${movedTo} and started a fresh file.`),
  });
}

export const workerIds = (state: ManagerState) =>
  Object.keys(state.workers)
    .map(Number)
    .sort((a, b) => a - b);

export const entryOf = (state: ManagerState, id: number): WorkerEntry => {
  const key = String(id);
  state.workers[key] ??= newWorkerEntry();
  return state.workers[key]!;
};

/** The pool size `ensure` brings back: the one last asked for, else the workers the state holds. */
export const rememberedPoolSize = (state: ManagerState) => state.pool_size ?? workerIds(state).length;
