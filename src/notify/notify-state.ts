import { join } from 'node:path';
import { z } from 'zod';
import type { EventLog } from '../core/event-log.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import { HEALTH_STATES } from '../health/classify.js';
import { NOTIFY_KINDS } from './events.js';

const event = z.object({
  kind: z.enum(NOTIFY_KINDS),
  at: z.string(),
  summary: z.string(),
  worker: z.number().optional(),
  task: z.string().optional(),
  parent: z.string().optional(),
  title: z.string().optional(),
  cause: z.string().optional(),
  command: z.string().optional(),
  pull_requests: z.array(z.string()).optional(),
});

const message = z.object({ id: z.string(), kind: z.enum(NOTIFY_KINDS), at: z.string(), text: z.string(), events: z.array(event) });

const observation = z.object({
  workers: z.record(
    z.object({
      health: z.enum(HEALTH_STATES),
      restarts: z.number(),
      gave_up: z.boolean(),
      stalled: z.boolean(),
      task: z.string(),
      reason: z.string().nullable().optional(),
    }),
  ),
  pause: z.object({ kind: z.enum(['usage', 'auth']), until: z.string(), message: z.string() }).nullable(),
  active_tasks: z.number().nullable(),
  budgets: z.record(z.object({ level: z.enum(['ok', 'warning', 'reached']), text: z.string(), command: z.string() })).optional(),
  reviews: z.string().nullable().optional(),
  pulls: z
    .record(
      z.object({
        parent: z.string(),
        pr_number: z.number(),
        pr_url: z.string(),
        state: z.string(),
        attention: z.string().nullable(),
        elsewhere: z.boolean().optional(),
      }),
    )
    .optional(),
});

/**
 * `notify/state.json`, written by the manager alone: the last look at the pool, how far the
 * history was read, events still coalescing, and messages still on their way. A restarted manager
 * takes up from here, so an event already sent is not sent again.
 */
const notifyStateSchema = z.object({
  version: z.literal(1),
  look: observation.nullable(),
  history_offset: z.number().int().nonnegative(),
  /** The inode history_offset is in: how a rollover of tasks.jsonl is told from new lines. */
  history_ino: z.number().optional(),
  outbox: z.array(z.object({ kind: z.enum(NOTIFY_KINDS), first_at: z.number(), events: z.array(event) })),
  deliveries: z.array(
    z.object({
      message,
      sink: z.string(),
      attempts: z.number().int().nonnegative(),
      next_at: z.number(),
      sending_since: z.number().optional(),
    }),
  ),
  sent_at: z.array(z.number()),
  /** Tasks finished since the queue last had work, by result: the summary of `queue_drained`. */
  finished: z.object({ success: z.number(), review: z.number(), failed: z.number() }).default({ success: 0, review: 0, failed: 0 }),
});

export type NotifyState = z.infer<typeof notifyStateSchema>;

export const notifyStateFile = (paths: DataPaths) => join(paths.root, 'notify', 'state.json');

export function openNotifyState(paths: DataPaths, log: EventLog, lockStaleMs: number): JsonFile<NotifyState> {
  return new JsonFile<NotifyState>({
    path: notifyStateFile(paths),
    schema: notifyStateSchema,
    empty: () => ({
      version: 1,
      look: null,
      history_offset: 0,
      outbox: [],
      deliveries: [],
      sent_at: [],
      finished: { success: 0, review: 0, failed: 0 },
    }),
    lockStaleMs,
    onCorrupt: (movedTo, reason) =>
      log.log('ALERT', `notify/state.json was unreadable (${reason}); kept it as ${movedTo} and started a fresh file.`),
  });
}
