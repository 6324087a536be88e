import { ERROR_CLASSES, TASK_RESULTS } from './task-history.js';
import type { PerformanceRecord } from './history-record.js';
import { CANONICAL_ISO_TIME, parseCanonicalIsoTime } from '../core/iso-time.js';

/** A JSON string without escapes or control characters: its text is its value. */
const PLAIN = String.raw`[^"\\\x00-\x1f]`;
const COUNT = String.raw`(0|[1-9]\d{0,14})`;
const oneOf = (values: readonly string[]) => `(${values.join('|')})`;

/**
 * A line exactly as `appendTaskHistory` writes it: `JSON.stringify` of the schema's output, so the
 * keys come in schema order, without spaces, with `version` and `error_class` always present.
 * Every such line is a valid record, and its captures are its values: counts stay below 2^53 and
 * the cost is a plain finite decimal. Anything else (spaces, other key orders, escapes, extra
 * keys, other time forms) does not match and is read by the full parser instead. Captures, in
 * order: task_id, parent, worker_id, attempts, started_at, ended_at, result, error_class,
 * cost_usd, input_tokens, output_tokens, num_turns.
 */
const CANONICAL_LINE = new RegExp(
  [
    `\\{"version":1,"task_id":"(${PLAIN}+)","parent":"(${PLAIN}*)","worker_id":([1-9]\\d{0,14}),"attempts":${COUNT}`,
    `,"started_at":"(${CANONICAL_ISO_TIME})","ended_at":"(${CANONICAL_ISO_TIME})","result":"${oneOf(TASK_RESULTS)}"`,
    `,"error_class":(?:null|"${oneOf(ERROR_CLASSES)}")(?:,"error":(?:null|"${PLAIN}*"))?(?:,"backend":"${PLAIN}*")?`,
    String.raw`(?:,"cost_usd":((?:0|[1-9]\d{0,15})(?:\.\d{1,17})?))?`,
    `(?:,"input_tokens":${COUNT})?(?:,"output_tokens":${COUNT})?(?:,"num_turns":${COUNT})?`,
    `(?:,"session_id":"${PLAIN}*")?(?:,"resumed":(?:true|false))?\\}`,
  ].join(''),
  'y',
);

const optionalNumber = (text: string | undefined) => (text === undefined ? undefined : Number(text));
/** The constant rather than the captured copy: the summary counts by it as a property key, and a
 * constant key needs no string-table lookup each time. */
const asResult = (text: string | undefined) => TASK_RESULTS[TASK_RESULTS.indexOf(text as PerformanceRecord['result'])]!;

/**
 * The record on `text` from `start` to `end` (a line, without its newline) when the line has the
 * canonical form; undefined otherwise, and also for a canonical line the full parser may refuse
 * (an impossible date, an end before the start), so that it gives the verdict. One pattern match
 * costs much less than JSON.parse and a field-by-field check, for the 100,000 lines of a history.
 */
export function parseCanonicalRecord(text: string, start: number, end: number): PerformanceRecord | undefined {
  CANONICAL_LINE.lastIndex = start;
  const match = CANONICAL_LINE.exec(text);
  if (match === null || CANONICAL_LINE.lastIndex !== end) return undefined;
  const startedAt = parseCanonicalIsoTime(match[5]!);
  const endedAt = parseCanonicalIsoTime(match[6]!);
  if (!(endedAt >= startedAt)) return undefined;
  return {
    task_id: match[1]!,
    parent: match[2]!,
    worker_id: Number(match[3]),
    attempts: Number(match[4]),
    result: asResult(match[7]),
    error_class: (match[8] ?? null) as PerformanceRecord['error_class'],
    cost_usd: optionalNumber(match[9]),
    input_tokens: optionalNumber(match[10]),
    output_tokens: optionalNumber(match[11]),
    num_turns: optionalNumber(match[12]),
    endedAt,
    durationMs: endedAt - startedAt,
  };
}
