import type { StreamSignal, StreamSummary } from './stream-parser.js';
import type { ClaudeResult, RateLimitInfo } from './stream-schema.js';
import { extractUsage, type RunUsage } from './usage.js';

/**
 * What one `claude -p` run came to. `transient` (overloaded, 5xx, throttled) is retried with
 * backoff; `auth_failure` is never retried (a person must log in); `usage_limit` pauses the pool
 * until `resetsAt`.
 */
export type ClaudeOutcome =
  | { readonly kind: 'success'; readonly usage: RunUsage }
  | {
      readonly kind: 'agent_error';
      readonly message: string;
      readonly retry: boolean;
      readonly resumeFailed?: boolean;
      readonly usage?: RunUsage;
    }
  | { readonly kind: 'transient'; readonly message: string; readonly status?: number; readonly usage?: RunUsage }
  | { readonly kind: 'max_turns'; readonly message: string; readonly usage?: RunUsage }
  | { readonly kind: 'auth_failure'; readonly message: string; readonly usage?: RunUsage }
  | {
      readonly kind: 'usage_limit';
      readonly message: string;
      readonly resetsAt?: Date;
      readonly limitType?: string;
      readonly usage?: RunUsage;
    };

export interface ClassifyInput {
  readonly summary: Pick<StreamSummary, 'result' | 'lastRateLimit' | 'lastApiError' | 'cliText'>;
  /** Undefined when the process was killed by a signal. */
  readonly exitCode?: number;
  /** For resolving a reset time of day given only in text. */
  readonly now: Date;
}

const TRANSIENT_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);
const AUTH_TYPES = new Set(['authentication_error', 'permission_error']);
/**
 * The CLI's wording of a plan limit, "You've hit your 5-hour limit · resets 11:54pm (UTC)",
 * anchored at the start: the CLI's message begins with it, a line merely mentioning it does not.
 */
const LIMIT_TEXT = /^\s*(?:(?:api )?error:\s*)?(?:you'?ve|you have) (?:hit|reached) your\b[^·\n]{0,40}\blimit\b/i;
const AUTH_TEXT = /invalid api key|not logged in|please run \/login|oauth token has expired|authentication_error/i;
const NO_SESSION_TEXT = /no conversation found with session id/i;

/**
 * Decides on the structured fields of the final result (is_error, terminal_reason,
 * api_error_status, api_error) and the stream's rate_limit_event, never on the exit code or
 * subtype alone: API errors arrive as `subtype: success` with `is_error: true` (docs/CLAUDE-CODE.md section 5). Text is
 * a fallback read only from the CLI's own messages: an error result's `result` and lines that
 * are not JSON. What the agent writes or quotes (assistant content, tool results) is never read.
 */
export function classifyRun({ summary, exitCode, now }: ClassifyInput): ClaudeOutcome {
  const { result } = summary;
  if (result && !result.is_error && result.subtype === 'success') return { kind: 'success', usage: extractUsage(result) };
  const usage = result ? extractUsage(result) : undefined;
  const limit = usageLimitOf(summary, now);
  if (limit) return { kind: 'usage_limit', ...limit, ...(usage ? { usage } : {}) };
  // The CLI's own verdict on its synthetic error message: missing or refused credentials.
  if (result && isApiErrorResult(result) && summary.lastApiError?.error === 'authentication_failed') {
    return { kind: 'auth_failure', message: result.result ?? 'authentication failed', usage: usage! };
  }
  if (result) return classifyErrorResult(result, usage!);
  return classifyWithoutResult(summary.cliText, exitCode);
}

function usageLimitOf(summary: ClassifyInput['summary'], now: Date): { message: string; resetsAt?: Date; limitType?: string } | undefined {
  const { result, lastRateLimit, lastApiError } = summary;
  const structured =
    result?.api_error === 'usage_limit_reached' || lastApiError?.apiError === 'usage_limit_reached' || lastRateLimit?.status === 'rejected';
  const errorText = result && isApiErrorResult(result) ? result.result : undefined;
  const cliText = result ? undefined : summary.cliText.find((line) => LIMIT_TEXT.test(line));
  const text = errorText !== undefined && LIMIT_TEXT.test(errorText) ? errorText : cliText;
  if (!structured && text === undefined) return undefined;
  const info: RateLimitInfo | undefined =
    lastRateLimit?.status === 'rejected'
      ? lastRateLimit
      : (lastApiError?.rateLimit ?? (lastRateLimit?.resetsAt ? lastRateLimit : undefined));
  const resetsAt = info?.resetsAt !== undefined ? new Date(info.resetsAt * 1000) : text ? resetFromText(text, now) : undefined;
  return {
    message: text ?? result?.result ?? 'usage limit reached',
    ...(resetsAt ? { resetsAt } : {}),
    ...(info?.rateLimitType ? { limitType: info.rateLimitType } : {}),
  };
}

/** An error result whose `result` text is the CLI's report of an API error, not the agent's answer. */
const isApiErrorResult = (result: ClaudeResult) =>
  result.is_error && (typeof result.api_error_status === 'number' || result.terminal_reason === 'api_error');

function classifyErrorResult(result: ClaudeResult, usage: RunUsage): ClaudeOutcome {
  const status = result.api_error_status ?? undefined;
  const message = result.result ?? result.errors?.join('; ') ?? `${result.subtype} (${result.terminal_reason ?? 'no reason given'})`;
  if (status === 401 || status === 403 || AUTH_TYPES.has(result.api_error_type ?? '')) return { kind: 'auth_failure', message, usage };
  if (result.subtype === 'error_max_turns' || result.terminal_reason === 'max_turns') return { kind: 'max_turns', message, usage };
  if (result.subtype === 'error_max_budget_usd' || result.terminal_reason === 'budget_exhausted') {
    return { kind: 'agent_error', message: `budget exhausted: ${message}`, retry: false, usage };
  }
  const transientStatus = status !== undefined && (status === 408 || status === 429 || status >= 500);
  // Missing credentials come as `terminal_reason: "api_error"` with no status and only the text
  // ("Not logged in · Please run /login"): read it before the generic api_error means transient.
  if (!transientStatus && isApiErrorResult(result) && AUTH_TEXT.test(message)) return { kind: 'auth_failure', message, usage };
  if (transientStatus || TRANSIENT_TYPES.has(result.api_error_type ?? '') || result.terminal_reason === 'api_error') {
    return { kind: 'transient', message, ...(status === undefined ? {} : { status }), usage };
  }
  // The CLI reports an unknown --resume id in an error result too (not only on stderr).
  if (result.subtype !== 'success' && NO_SESSION_TEXT.test(message))
    return { kind: 'agent_error', message, retry: true, resumeFailed: true, usage };
  return { kind: 'agent_error', message, retry: true, usage };
}

function classifyWithoutResult(cliText: readonly string[], exitCode: number | undefined): ClaudeOutcome {
  const said = cliText.at(-1);
  const how = exitCode === undefined ? 'was killed' : `exited with code ${exitCode}`;
  const message = said ? `claude ${how}: ${said}` : `claude ${how} without a result`;
  if (cliText.some((line) => AUTH_TEXT.test(line))) return { kind: 'auth_failure', message };
  if (cliText.some((line) => NO_SESSION_TEXT.test(line))) return { kind: 'agent_error', message, retry: true, resumeFailed: true };
  return { kind: 'agent_error', message, retry: true };
}

/**
 * A signal that settles a run while it is still going. A 401 is a key the API refused: the CLI
 * retries it up to ten times (about three minutes) and every retry is refused the same way, so the
 * first `api_retry` with status 401 is the run's outcome, and the pool's authentication hold can
 * start at once instead of a worker showing `working` meanwhile.
 */
export function decisiveSignal(signal: StreamSignal): ClaudeOutcome | undefined {
  if (signal.kind !== 'api_retry' || signal.status !== 401) return undefined;
  return {
    kind: 'auth_failure',
    message:
      'the API refused the credentials (HTTP 401, invalid API key or expired login); the run was stopped at the first refusal instead of retrying',
  };
}

/** "resets 11:54pm (UTC)" -> the next such time after `now`; other zones are not guessed. */
export function resetFromText(text: string, now: Date): Date | undefined {
  const match = /resets\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)\s*\(UTC\)/i.exec(text);
  if (!match) return undefined;
  const hour12 = Number(match[1]) % 12;
  const hour = match[3]!.toLowerCase() === 'pm' ? hour12 + 12 : hour12;
  const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour, Number(match[2] ?? 0)));
  if (reset.getTime() <= now.getTime()) reset.setUTCDate(reset.getUTCDate() + 1);
  return reset;
}
