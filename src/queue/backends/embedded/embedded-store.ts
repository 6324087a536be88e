import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile, type JsonFileOptions } from '../../../core/json-store.js';
import { TASK_KINDS } from '../../backend.js';

const runSchema = z.object({
  key: z.string(),
  pid: z.number().int().positive(),
  pgid: z.number().int().positive(),
  startTime: z.string(),
  startedAt: z.string(),
  outputFile: z.string().nullable(),
  killRequested: z.boolean(),
  /** Absent in files written before `worker-queue kill` existed. */
  killedByUser: z.boolean().optional(),
});

export const taskSchema = z.object({
  id: z.string(),
  subissue: z.string(),
  parent: z.string(),
  priority: z.number().int(),
  /** Absent in files written before tasks recorded their repository. */
  repo: z.string().optional(),
  /** Absent in files written before tasks recorded their blockers, and when nothing blocks it. */
  blockedBy: z.array(z.string()).optional(),
  /** A follow-up's kind; absent on a task itself (and in files written before follow-ups). */
  kind: z.enum(TASK_KINDS).optional(),
  status: z.enum(['queued', 'claimed', 'done', 'failed', 'review', 'cancelled']),
  workerId: z.number().int().positive().nullable(),
  attempts: z.number().int().nonnegative(),
  createdAt: z.string(),
  claimedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  run: runSchema.nullable(),
});

const storeSchema = z.object({ version: z.literal(1), nextId: z.number().int().positive(), tasks: z.array(taskSchema) });

export type EmbeddedRun = z.infer<typeof runSchema>;
export type EmbeddedTask = z.infer<typeof taskSchema>;
export type EmbeddedStore = z.infer<typeof storeSchema>;

export const embeddedQueueFile = (queueDir: string) => join(queueDir, 'embedded-queue.json');

/** The embedded queue: one locked JSON file under `<data root>/queue/`. */
export const openEmbeddedStore = (
  queueDir: string,
  lockStaleMs: number,
  now: () => Date,
  recovery: Pick<JsonFileOptions<EmbeddedStore>, 'salvage' | 'onCorrupt'> = {},
) =>
  new JsonFile<EmbeddedStore>({
    path: embeddedQueueFile(queueDir),
    schema: storeSchema,
    empty: () => ({ version: 1, nextId: 1, tasks: [] }),
    lockStaleMs,
    now,
    ...recovery,
  });
