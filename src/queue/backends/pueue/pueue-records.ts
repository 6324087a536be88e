import { join } from 'node:path';
import { z } from 'zod';
import { JsonFile } from '../../../core/json-store.js';
import { pueueTimeToIso, type PueueTask } from '../../../adapters/pueue/status-schema.js';
import { TASK_KINDS, type QueueTask, type TaskKind, type TaskStatus } from '../../backend.js';

const kindOf = (text: string | undefined): { kind?: TaskKind } => {
  const kind = TASK_KINDS.find((known) => known === text);
  return kind === undefined ? {} : { kind };
};

/**
 * What Pueue cannot hold for us (which worker claimed a task, attempts, the outcome the worker
 * decided), one record per task keyed on id + created_at because Pueue reuses ids after a clean.
 */
const recordSchema = z.object({
  status: z.enum(['queued', 'claimed', 'done', 'failed', 'review', 'cancelled']),
  workerId: z.number().int().positive().nullable(),
  attempts: z.number().int().nonnegative(),
  claimedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
  killRequested: z.boolean(),
  /** Absent in files written before `worker-queue kill` existed. */
  killedByUser: z.boolean().optional(),
  /** The open blockers once changed after `add` (HW_BLOCKED_BY holds those it was added with). */
  blockedBy: z.array(z.string()).optional(),
  /** The repository given to a task added without HW_REPO (`worker-queue assign`). */
  repo: z.string().optional(),
});

const recordsSchema = z.object({ version: z.literal(1), records: z.record(recordSchema) });

export type PueueRecord = z.infer<typeof recordSchema>;
export type PueueRecords = z.infer<typeof recordsSchema>;

export const openPueueRecords = (queueDir: string, lockStaleMs: number, now: () => Date) =>
  new JsonFile<PueueRecords>({
    path: join(queueDir, 'pueue-records.json'),
    schema: recordsSchema,
    empty: () => ({ version: 1, records: {} }),
    lockStaleMs,
    now,
  });

export const newRecord = (): PueueRecord => ({
  status: 'queued',
  workerId: null,
  attempts: 0,
  claimedAt: null,
  finishedAt: null,
  lastError: null,
  killRequested: false,
});

/** Environment variables this toolkit sets on `pueue add`: the task carries its own facts. */
export const TASK_ENV = {
  runKey: 'HW_RUN_KEY',
  runner: 'HW_RUNNER',
  subissue: 'HW_SUBISSUE',
  parent: 'HW_PARENT',
  priority: 'HW_PRIORITY',
  /** Absent on tasks added before tasks recorded their repository. */
  repo: 'HW_REPO',
  /** The blockers the task was added with, comma-separated; absent: none. */
  blockedBy: 'HW_BLOCKED_BY',
  /** A follow-up's kind (docs/SPEC.md section 14.3); absent on a task itself. */
  kind: 'HW_TASK_KIND',
} as const;

/** The task's open blockers: its record's once set, else those it was added with. */
export const pueueBlockers = (task: PueueTask, record: PueueRecord | undefined): string[] =>
  record?.blockedBy ?? (task.envs[TASK_ENV.blockedBy] ?? '').split(',').filter(Boolean);

/** HW_RUNNER of a task whose command is the sh runner; a task without it names runner version 1. */
export const RUNNER_VERSION = 'v2';

export const recordKey = (task: PueueTask) => `${task.id}@${task.createdAt ?? ''}`;

/** Only tasks this toolkit added (they carry a run key) in the queue's group. */
export const isOurTask = (task: PueueTask, group: string) => task.group === group && task.envs[TASK_ENV.runKey] !== undefined;

function statusFromPueue(task: PueueTask): TaskStatus {
  if (task.kind === 'Running' || task.kind === 'Paused') return 'claimed';
  if (task.kind !== 'Done') return 'queued';
  return task.result?.type === 'Success' ? 'done' : 'failed';
}

export function toQueueTask(task: PueueTask, record: PueueRecord | undefined): QueueTask {
  const started = task.kind === 'Done' || task.kind === 'Running' || task.kind === 'Paused';
  const blockedBy = pueueBlockers(task, record);
  return {
    id: String(task.id),
    subissue: task.envs[TASK_ENV.subissue] ?? (task.label ?? '').replace(/^subissue-/, ''),
    parent: task.envs[TASK_ENV.parent] ?? '',
    priority: Number(task.envs[TASK_ENV.priority] ?? 0),
    ...(task.envs[TASK_ENV.repo] ? { repo: task.envs[TASK_ENV.repo] } : record?.repo ? { repo: record.repo } : {}),
    ...(blockedBy.length === 0 ? {} : { blockedBy }),
    ...kindOf(task.envs[TASK_ENV.kind]),
    status: record && record.status !== 'queued' ? record.status : statusFromPueue(task),
    workerId: record?.workerId ?? null,
    attempts: record?.attempts ?? (started ? 1 : 0),
    createdAt: pueueTimeToIso(task.createdAt) ?? new Date(0).toISOString(),
    claimedAt: record?.claimedAt ?? null,
    finishedAt: record?.finishedAt ?? (task.kind === 'Done' ? pueueTimeToIso(task.end) : null),
    lastError: record?.lastError ?? null,
  };
}
