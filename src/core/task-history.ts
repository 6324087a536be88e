import { z } from 'zod';
import { dirname } from 'node:path';
import { appendLine } from './event-log.js';
import { ensureDir } from './fs-safe.js';

export const TASK_RESULTS = ['success', 'review', 'failed'] as const;
export const ERROR_CLASSES = [
  'worktree_error',
  'git_error',
  'agent_error',
  'timeout',
  'backend_error',
  'auth_error',
  'usage_limit',
  'max_turns',
] as const;

/**
 * One finished task, appended by the worker to `history/tasks.jsonl` (one JSON object per line)
 * and streamed by the performance tool. Optional fields come from agents that report them.
 */
export const taskHistoryRecordSchema = z
  .object({
    version: z.literal(1).default(1),
    task_id: z.string().min(1),
    parent: z.string(),
    worker_id: z.number().int().positive(),
    attempts: z.number().int().nonnegative(),
    started_at: z.string().datetime({ offset: true }),
    ended_at: z.string().datetime({ offset: true }),
    result: z.enum(TASK_RESULTS),
    error_class: z.enum(ERROR_CLASSES).nullable().default(null),
    error: z.string().nullable().optional(),
    backend: z.string().optional(),
    cost_usd: z.number().nonnegative().optional(),
    input_tokens: z.number().int().nonnegative().optional(),
    output_tokens: z.number().int().nonnegative().optional(),
    num_turns: z.number().int().nonnegative().optional(),
    session_id: z.string().optional(),
    resumed: z.boolean().optional(),
  })
  .passthrough();

export type TaskHistoryRecord = z.infer<typeof taskHistoryRecordSchema>;

/** Appends one record as one line; O_APPEND keeps lines from concurrent workers whole. */
export async function appendTaskHistory(historyFile: string, record: TaskHistoryRecord): Promise<void> {
  await ensureDir(dirname(historyFile));
  await appendLine(historyFile, `${JSON.stringify(taskHistoryRecordSchema.parse(record))}\n`);
}
