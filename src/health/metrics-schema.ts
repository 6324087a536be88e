import { z } from 'zod';

export const REPORTED_STATUSES = ['starting', 'idle', 'working', 'stalled', 'recovering', 'stopped'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

/** Field ranges in the pattern itself: cheaper than Date.parse, which also rolls 02-30 over into March. */
const ISO_DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)$/;

/**
 * A real date and time in ISO-8601 (`date -Iseconds` too): 2026-13-45T99:99:99Z is refused, and so
 * is a day past the month's end.
 */
export function isIsoDateTime(text: string): boolean {
  if (!ISO_DATE_TIME.test(text)) return false;
  const day = Number(text.slice(8, 10));
  return day <= 28 || day <= new Date(Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)), 0)).getUTCDate();
}

/** ISO-8601 text; the shell tools may have written epoch seconds, which are converted. */
const timestamp = z
  .union([z.string().refine(isIsoDateTime, 'is not an ISO-8601 date and time'), z.number().finite().nonnegative()])
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

const isTime = (value: unknown) => typeof value === 'string' && isIsoDateTime(value);
const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isOptional = (value: unknown, check: (value: unknown) => boolean) => value === undefined || check(value);

/**
 * A record exactly as this toolkit writes it: every defaulted key present, every value already in
 * its canonical form, so the schema would return it unchanged. Checked by hand because zod over
 * 10,000 records took most of a second of every command that reads metrics.json.
 */
function isCanonicalRecord(value: unknown): value is WorkerRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.status === 'string' &&
    typeof record.current_task === 'string' &&
    isCount(record.tasks_completed) &&
    isCount(record.tasks_failed) &&
    isCount(record.restarts) &&
    isOptional(record.last_heartbeat, isTime) &&
    isOptional(record.started_at, isTime) &&
    (record.task_started_at === null || isOptional(record.task_started_at, isTime)) &&
    (record.last_progress_at === null || isOptional(record.last_progress_at, isTime)) &&
    isOptional(record.pid, (pid) => typeof pid === 'number' && Number.isInteger(pid) && pid > 0)
  );
}

function isCanonicalMetrics(value: unknown): value is Metrics {
  if (typeof value !== 'object' || value === null) return false;
  const { version, workers, stats } = value as Record<string, unknown>;
  if (version !== METRICS_VERSION || typeof workers !== 'object' || workers === null || Array.isArray(workers)) return false;
  if (
    typeof stats !== 'object' ||
    stats === null ||
    !['total_tasks', 'successful_tasks', 'failed_tasks', 'restarts'].every((key) => isCount((stats as Record<string, unknown>)[key]))
  )
    return false;
  for (const id in workers) if (!/^[1-9]\d*$/.test(id) || !isCanonicalRecord((workers as Record<string, unknown>)[id])) return false;
  return true;
}

/** metrics.json as read from disk: the toolkit's own canonical form at once, anything else through the schema. */
export const metricsFileSchema = z.unknown().transform((raw, context): Metrics => {
  if (isCanonicalMetrics(raw)) return raw;
  const parsed = metricsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) context.addIssue(issue as z.IssueData);
  return z.NEVER;
});
