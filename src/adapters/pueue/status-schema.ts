import { z } from 'zod';

/**
 * `pueue status --json` (and state.json) of Pueue v3 and v4, parsed leniently (unknown keys pass)
 * and reduced to one task type. docs/PUEUE.md section 6.
 */
export type PueueKind = 'Queued' | 'Stashed' | 'Running' | 'Paused' | 'Done' | 'Locked';

export type PueueResult =
  | { readonly type: 'Success' }
  | { readonly type: 'Failed'; readonly exitCode: number }
  | { readonly type: 'FailedToSpawn'; readonly message: string }
  | { readonly type: 'Killed' }
  | { readonly type: 'Errored' }
  | { readonly type: 'DependencyFailed' };

export interface PueueTask {
  readonly id: number;
  readonly group: string;
  readonly command: string;
  readonly path: string;
  readonly label: string | null;
  readonly priority: number;
  readonly envs: Readonly<Record<string, string>>;
  readonly kind: PueueKind;
  readonly result: PueueResult | null;
  /** Raw RFC 3339 strings as Pueue wrote them; null where the version or state has none. */
  readonly createdAt: string | null;
  readonly enqueuedAt: string | null;
  readonly start: string | null;
  readonly end: string | null;
}

export interface PueueGroup {
  readonly status: string;
  readonly parallelTasks: number;
}

export interface PueueState {
  readonly tasks: readonly PueueTask[];
  readonly groups: Readonly<Record<string, PueueGroup>>;
}

const time = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** A unit variant is a bare string, any other variant a one-key object. */
const variant = z.union([
  z.string().transform((name) => ({ name, body: undefined as unknown })),
  z
    .record(z.unknown())
    .refine((value) => Object.keys(value).length === 1, 'expected a one-key object')
    .transform((value) => {
      const [name, body] = Object.entries(value)[0]!;
      return { name, body };
    }),
]);

const RESULT_NAMES = ['Success', 'Killed', 'Errored', 'DependencyFailed'] as const;

function toResult(raw: unknown): PueueResult {
  const { name, body } = variant.parse(raw);
  if (name === 'Failed') return { type: 'Failed', exitCode: z.number().int().parse(body) };
  if (name === 'FailedToSpawn') return { type: 'FailedToSpawn', message: z.string().parse(body) };
  return { type: z.enum(RESULT_NAMES).parse(name) };
}

const v4Times = z
  .object({ enqueued_at: time, enqueue_at: time, start: time, end: time, result: z.unknown(), previous_status: z.unknown() })
  .partial();

interface StatusParts {
  kind: PueueKind;
  result: PueueResult | null;
  enqueuedAt?: string | null;
  start?: string | null;
  end?: string | null;
}

function toStatus(raw: unknown): StatusParts {
  const { name, body } = variant.parse(raw);
  const kind = z.enum(['Queued', 'Stashed', 'Running', 'Paused', 'Done', 'Locked']).parse(name);
  // v3 Done holds the result itself; v4 Done holds {enqueued_at, start, end, result}.
  const times = v4Times.safeParse(body);
  if (kind === 'Done') {
    const isV4 = times.success && body !== null && typeof body === 'object' && 'result' in body;
    const result = toResult(isV4 ? times.data.result : body);
    return isV4 ? { kind, result, enqueuedAt: times.data.enqueued_at, start: times.data.start, end: times.data.end } : { kind, result };
  }
  if (!times.success || body === undefined) return { kind, result: null };
  const parts: StatusParts = { kind, result: null };
  if (times.data.enqueued_at !== undefined) parts.enqueuedAt = times.data.enqueued_at;
  if (times.data.start !== undefined) parts.start = times.data.start;
  return parts;
}

const rawTask = z
  .object({
    id: z.number().int().nonnegative(),
    created_at: time,
    enqueued_at: time,
    start: time,
    end: time,
    command: z.string(),
    path: z.string(),
    envs: z.record(z.string()).default({}),
    group: z.string().default('default'),
    priority: z.number().int().default(0),
    label: z
      .string()
      .nullish()
      .transform((value) => value ?? null),
    status: z.unknown(),
  })
  .passthrough();

const rawState = z
  .object({
    tasks: z.record(z.unknown()),
    groups: z.record(z.object({ status: z.string(), parallel_tasks: z.number().int() }).passthrough()).default({}),
  })
  .passthrough();

export function normalizeTask(raw: unknown): PueueTask {
  const task = rawTask.parse(raw);
  const status = toStatus(task.status);
  return {
    id: task.id,
    group: task.group,
    command: task.command,
    path: task.path,
    label: task.label,
    priority: task.priority,
    envs: task.envs,
    kind: status.kind,
    result: status.result,
    createdAt: task.created_at,
    // v3 keeps the times at the top level, v4 inside the status variant.
    enqueuedAt: status.enqueuedAt !== undefined ? status.enqueuedAt : task.enqueued_at,
    start: status.start !== undefined ? status.start : task.start,
    end: status.end !== undefined ? status.end : task.end,
  };
}

/** Parses the JSON text of `status --json` or a state.json; throws a ZodError on a foreign shape. */
export function parsePueueState(text: string): PueueState {
  const state = rawState.parse(JSON.parse(text));
  const tasks = Object.values(state.tasks)
    .map(normalizeTask)
    .sort((a, b) => a.id - b.id);
  const groups = Object.fromEntries(
    Object.entries(state.groups).map(([name, group]) => [name, { status: group.status, parallelTasks: group.parallel_tasks }]),
  );
  return { tasks, groups };
}

/** Pueue writes up to 9 fraction digits; Date wants 3. */
export function pueueTimeToIso(value: string | null): string | null {
  if (value === null) return null;
  const date = new Date(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
