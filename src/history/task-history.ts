import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { appendLine } from '../core/event-log.js';
import { ensureDirSync } from '../core/fs-safe.js';
import { historyFiles, rollHistoryIfNewMonth } from './history-rollover.js';
import { readLastLines } from '../core/log-tail.js';

/** cancelled: a person killed the run (`worker-queue kill`); never the worker's failure. */
/** `unverified`: GitHub mode, a draft pull request whose WORKER_VERIFY_CMD never passed (docs/SPEC.md section 15.3). */
export const TASK_RESULTS = ['success', 'review', 'failed', 'cancelled', 'unverified'] as const;
export const ERROR_CLASSES = [
  'worktree_error',
  'git_error',
  'agent_error',
  'timeout',
  'backend_error',
  'auth_error',
  'usage_limit',
  'max_turns',
  'github_error',
  'stalled',
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
    /** The pull request the task ended in (GitHub mode). */
    pr_number: z.number().int().positive().optional(),
    pr_url: z.string().optional(),
    /** WORKER_VERIFY_CMD's verdict on the work (docs/SPEC.md section 15.3) and the agent rounds it took. */
    verified: z.boolean().optional(),
    verify_rounds: z.number().int().positive().optional(),
  })
  .passthrough();

export type TaskHistoryRecord = z.infer<typeof taskHistoryRecordSchema>;

/** Appends one record as one line; O_APPEND keeps lines from concurrent workers whole. */
export async function appendTaskHistory(historyFile: string, record: TaskHistoryRecord, now = new Date()): Promise<void> {
  ensureDirSync(dirname(historyFile));
  await rollHistoryIfNewMonth(historyFile, now);
  await appendLine(historyFile, `${JSON.stringify(taskHistoryRecordSchema.parse(record))}\n`);
}

/** How far back a resumed worker looks for a record it may have appended before it was stopped. */
const RECENT_HISTORY_BYTES = 256 * 1024;

/**
 * Whether the recent history holds the record of this run of the task (same task, worker and
 * start time): a worker killed after appending it but before saving that it had finds it here.
 */
export async function historyHasRecord(
  historyFile: string,
  run: Pick<TaskHistoryRecord, 'task_id' | 'worker_id' | 'started_at'>,
): Promise<boolean> {
  const lines = await readLastLines(historyFile, Number.POSITIVE_INFINITY, RECENT_HISTORY_BYTES);
  // A current file shorter than the window may have just rolled over: the record can be in the newest rolled month.
  const currentBytes = await stat(historyFile).then(
    (info) => info.size,
    () => 0,
  );
  const newestRolled = historyFiles(historyFile).at(-2);
  if (currentBytes < RECENT_HISTORY_BYTES && newestRolled !== undefined)
    lines.push(...(await readLastLines(newestRolled, Number.POSITIVE_INFINITY, RECENT_HISTORY_BYTES - currentBytes)));
  return lines.some((line) => {
    const parsed = taskHistoryRecordSchema.safeParse(parseJsonLine(line));
    return (
      parsed.success &&
      parsed.data.task_id === run.task_id &&
      parsed.data.worker_id === run.worker_id &&
      parsed.data.started_at === run.started_at
    );
  });
}

/** A torn line is simply not a record. */
function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
