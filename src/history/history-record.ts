import { ERROR_CLASSES, TASK_RESULTS, type TaskHistoryRecord } from './task-history.js';
import { parseIsoTime } from '../core/iso-time.js';

/** The fields of a task history record that performance reads, with its times parsed. */
export type PerformanceRecord = Pick<
  TaskHistoryRecord,
  'task_id' | 'parent' | 'worker_id' | 'attempts' | 'result' | 'cost_usd' | 'input_tokens' | 'output_tokens' | 'num_turns'
> & {
  readonly error_class: TaskHistoryRecord['error_class'];
  /** GitHub mode: the pull request the task ended in. */
  readonly pr_number?: number;
  readonly pr_url?: string;
  /** The host whose worker ran the task: set by the database's history; a file's records are this host's. */
  readonly host?: string;
  readonly endedAt: number;
  readonly durationMs: number;
};

type Json = Record<string, unknown>;

const isString = (value: unknown) => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isOptional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);
const isNonNegative = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isOneOf =
  <T extends string>(values: readonly T[]) =>
  (value: unknown): value is T =>
    typeof value === 'string' && (values as readonly string[]).includes(value);
const isResult = isOneOf(TASK_RESULTS);
const isErrorClass = isOneOf(ERROR_CLASSES);

/**
 * Validates one parsed history line against the rules of `taskHistoryRecordSchema` for the fields
 * used here. A hand check rather than zod because zod costs about 10 µs a record, which is most of
 * the time of a 100,000-record report; a unit test holds the two to the same verdicts. A record
 * whose end precedes its start is refused too: it has no meaningful duration.
 */
export function toPerformanceRecord(value: unknown): PerformanceRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Json;
  const { task_id, parent, worker_id, attempts, result, error_class } = raw;
  if (raw.version !== undefined && raw.version !== 1) return undefined;
  if (typeof task_id !== 'string' || task_id === '' || typeof parent !== 'string') return undefined;
  if (!isCount(worker_id) || worker_id === 0 || !isCount(attempts) || !isResult(result)) return undefined;
  if (error_class !== undefined && error_class !== null && !isErrorClass(error_class)) return undefined;
  if (!isOptional(raw.error, (v) => v === null || typeof v === 'string') || !isOptional(raw.resumed, (v) => typeof v === 'boolean')) {
    return undefined;
  }
  if (!isOptional(raw.backend, isString) || !isOptional(raw.session_id, isString)) return undefined;
  if (!isOptional(raw.cost_usd, isNonNegative)) return undefined;
  if (!isOptional(raw.pr_number, isCount) || !isOptional(raw.pr_url, isString)) return undefined;
  if (!isOptional(raw.input_tokens, isCount) || !isOptional(raw.output_tokens, isCount) || !isOptional(raw.num_turns, isCount)) {
    return undefined;
  }
  const startedAt = parseIsoTime(raw.started_at);
  const endedAt = parseIsoTime(raw.ended_at);
  if (Number.isNaN(startedAt) || Number.isNaN(endedAt) || endedAt < startedAt) return undefined;
  return {
    task_id,
    parent,
    worker_id,
    attempts,
    result,
    error_class: error_class ?? null,
    cost_usd: raw.cost_usd as number | undefined,
    input_tokens: raw.input_tokens as number | undefined,
    output_tokens: raw.output_tokens as number | undefined,
    num_turns: raw.num_turns as number | undefined,
    ...(raw.pr_number !== undefined && raw.pr_url !== undefined
      ? { pr_number: raw.pr_number as number, pr_url: raw.pr_url as string }
      : {}),
    endedAt,
    durationMs: endedAt - startedAt,
  };
}
