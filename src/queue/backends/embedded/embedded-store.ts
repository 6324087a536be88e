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

/**
 * The JSON text of every task this process has seen pass the schema unchanged. A worker reads the
 * queue file about ten times a task and most reads follow a write that changed one task, so only
 * the tasks not seen before are validated (zod was the largest part of a worker's own CPU time in
 * a busy pool: docs/PERFORMANCE.md, "A task's fixed cost"). A task is remembered only when the
 * schema gives it back exactly as it was, so handing back the parsed object is the schema's output.
 */
const validTaskTexts = new Set<string>();

const taskListSchema = z.array(z.unknown()).transform((items, ctx): EmbeddedTask[] => {
  // Bounded by the queue itself: texts of tasks that have changed since are dropped now and then.
  if (validTaskTexts.size > 2 * items.length + 256) validTaskTexts.clear();
  const tasks: EmbeddedTask[] = [];
  for (const [index, item] of items.entries()) {
    const text = JSON.stringify(item);
    if (validTaskTexts.has(text)) {
      tasks.push(item as EmbeddedTask);
      continue;
    }
    const parsed = taskSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, ...issue.path], message: issue.message });
      return z.NEVER;
    }
    if (JSON.stringify(parsed.data) === text) validTaskTexts.add(text);
    tasks.push(parsed.data);
  }
  return tasks;
});

const storeSchema = z.object({ version: z.literal(1), nextId: z.number().int().positive(), tasks: taskListSchema });

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
