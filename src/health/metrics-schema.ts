import { z } from 'zod';

export const REPORTED_STATUSES = ['starting', 'idle', 'working', 'stalled', 'recovering', 'stopped'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

/** ISO-8601 text; the shell tools may have written epoch seconds, which are converted. */
const timestamp = z
  .union([z.string(), z.number()])
  .transform((value) => (typeof value === 'number' ? new Date(value * 1000).toISOString() : value));

const counter = z.number().int().nonnegative().catch(0).default(0);

/**
 * One worker in metrics.json. The shell tools' keys are kept (so their files read as they are and
 * their readers keep working); `task_started_at` and `pid` are new. Unknown keys are preserved.
 */
export const workerRecordSchema = z
  .object({
    last_heartbeat: timestamp.optional(),
    status: z.string().default('idle'),
    current_task: z.union([z.string(), z.number()]).transform(String).default('none'),
    started_at: timestamp.optional(),
    tasks_completed: counter,
    tasks_failed: counter,
    restarts: counter,
    task_started_at: timestamp.nullable().optional(),
    /** The agent's latest sign of progress (its output grew: for Claude Code a stream event); kept after the task. */
    last_progress_at: timestamp.nullable().optional(),
    pid: z.number().int().positive().optional(),
  })
  .passthrough();

export type WorkerRecord = z.infer<typeof workerRecordSchema>;

export const statsSchema = z
  .object({
    total_tasks: counter,
    successful_tasks: counter,
    failed_tasks: counter,
    restarts: counter,
  })
  .passthrough();

export type Stats = z.infer<typeof statsSchema>;

export const METRICS_VERSION = 1;

/** metrics.json; a file without `version` is a shell-era file and is migrated on read. */
export const metricsSchema = z
  .object({
    version: z.literal(METRICS_VERSION).default(METRICS_VERSION),
    workers: z.record(z.string().regex(/^[1-9]\d*$/), workerRecordSchema).default({}),
    stats: statsSchema.default({}),
  })
  .passthrough();

export type Metrics = z.infer<typeof metricsSchema>;

export const emptyStats = (): Stats => ({ total_tasks: 0, successful_tasks: 0, failed_tasks: 0, restarts: 0 });

export const emptyMetrics = (): Metrics => ({ version: METRICS_VERSION, workers: {}, stats: emptyStats() });

export const emptyWorkerRecord = (): WorkerRecord => ({
  status: 'idle',
  current_task: 'none',
  tasks_completed: 0,
  tasks_failed: 0,
  restarts: 0,
});
