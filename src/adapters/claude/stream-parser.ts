import { StringDecoder } from 'node:string_decoder';
import {
  messageEventSchema,
  rateLimitEventSchema,
  resultSchema,
  systemEventSchema,
  toolProgressEventSchema,
  type ClaudeResult,
  type MessageEvent,
  type RateLimitInfo,
} from './stream-schema.js';

/** What the worker hears while a run streams. Progress = the agent is doing something. */
export type StreamSignal =
  | { readonly kind: 'init'; readonly sessionId?: string; readonly model?: string; readonly cliVersion?: string }
  | { readonly kind: 'progress'; readonly what: 'tool_use' | 'tool_result' | 'tool_progress'; readonly tool?: string; readonly at: Date }
  | {
      readonly kind: 'api_retry';
      readonly attempt?: number;
      readonly maxRetries?: number;
      readonly delayMs?: number;
      readonly status?: number | null;
    }
  | { readonly kind: 'rate_limit'; readonly info: RateLimitInfo }
  | { readonly kind: 'result'; readonly result: ClaudeResult };

/** The CLI's own synthetic message about an API error (never the model's words). */
export interface ApiErrorMessage {
  readonly status?: number | null;
  readonly apiError?: string;
  readonly rateLimit?: RateLimitInfo;
  readonly error?: string;
}

/** Bounded facts gathered from a whole stream; the events themselves are not kept. */
export interface StreamSummary {
  sessionId?: string;
  model?: string;
  cliVersion?: string;
  lastProgressAt?: Date;
  toolCalls: number;
  apiRetries: number;
  /** The most recent rate_limit_event: a later `allowed` replaces an earlier `rejected`. */
  lastRateLimit?: RateLimitInfo;
  lastApiError?: ApiErrorMessage;
  result?: ClaudeResult;
  lines: number;
  unknownEvents: number;
  /** Message and partial-message lines skipped unparsed: nothing in them could be a signal. */
  skippedEvents: number;
  invalidLines: number;
  oversizedLines: number;
  /** The last few lines that were not JSON: the CLI's own messages (stderr in a combined log). */
  cliText: string[];
}

export interface StreamParserOptions {
  readonly onSignal?: (signal: StreamSignal) => void;
  /** A longer line is skipped (counted in oversizedLines) so one huge event cannot exhaust memory. */
  readonly maxLineBytes?: number;
  readonly now?: () => Date;
}

const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const CLI_TEXT_LINES = 20;
const CLI_TEXT_CHARS = 500;

/**
 * Most lines of a verbose stream are token deltas and plain text messages. A message line can
 * only matter if it holds a tool block or the CLI's API-error marker, and those appear as these
 * exact quoted keys or values; inside a string they would be escaped (\"tool_use\"), so a text
 * mention never matches and the check has no false negatives, only harmless false positives.
 */
function cannotSignal(line: string): boolean {
  if (line.startsWith('{"type":"stream_event"')) return true;
  if (!line.startsWith('{"type":"assistant"') && !line.startsWith('{"type":"user"')) return false;
  return !line.includes('"tool_use"') && !line.includes('"tool_result"') && !line.includes('"is_api_error_message"');
}

/**
 * Incremental parser of `--output-format stream-json` output. Feed it chunks as they arrive;
 * memory stays bounded by the longest accepted line plus a fixed summary. Unknown event types and
 * malformed lines are counted, never fatal: a newer CLI may add events at any time.
 */
export class ClaudeStreamParser {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private skipping = false;
  private readonly maxLineBytes: number;
  private readonly now: () => Date;
  readonly summary: StreamSummary = {
    toolCalls: 0,
    apiRetries: 0,
    lines: 0,
    unknownEvents: 0,
    skippedEvents: 0,
    invalidLines: 0,
    oversizedLines: 0,
    cliText: [],
  };

  constructor(private readonly options: StreamParserOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.now = options.now ?? (() => new Date());
  }

  write(chunk: string | Buffer): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      if (this.skipping) {
        this.skipping = false;
      } else {
        const piece = text.slice(start, newline);
        this.line(this.partial === '' ? piece : this.partial + piece);
      }
      this.partial = '';
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (this.skipping || start === text.length) return;
    // Characters bound bytes from below; good enough as a memory cap.
    if (this.partial.length + text.length - start > this.maxLineBytes) {
      this.summary.oversizedLines += 1;
      this.partial = '';
      this.skipping = true;
      return;
    }
    this.partial += text.slice(start);
  }

  /** Flushes a last line without a newline. Returns the summary. */
  end(): StreamSummary {
    const rest = this.decoder.end();
    if (rest) this.write(rest);
    if (!this.skipping && this.partial !== '') this.line(this.partial);
    this.partial = '';
    this.skipping = false;
    return this.summary;
  }

  private line(line: string): void {
    const trimmed = line.trim();
    if (trimmed === '') return;
    this.summary.lines += 1;
    if (trimmed[0] !== '{') {
      this.noteCliText(trimmed);
      return;
    }
    if (cannotSignal(trimmed)) {
      this.summary.skippedEvents += 1;
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch {
      this.summary.invalidLines += 1;
      this.noteCliText(trimmed);
      return;
    }
    this.event(raw);
  }

  private event(raw: unknown): void {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    switch (type) {
      case 'assistant':
      case 'user':
        return this.message(messageEventSchema.safeParse(raw));
      case 'system':
        return this.system(raw);
      case 'rate_limit_event': {
        const parsed = rateLimitEventSchema.safeParse(raw);
        if (!parsed.success) return this.unknown();
        this.summary.lastRateLimit = parsed.data.rate_limit_info;
        return this.emit({ kind: 'rate_limit', info: parsed.data.rate_limit_info });
      }
      case 'tool_progress': {
        const parsed = toolProgressEventSchema.safeParse(raw);
        if (!parsed.success) return this.unknown();
        return this.progress('tool_progress', parsed.data.tool_name);
      }
      case 'result': {
        const parsed = resultSchema.safeParse(raw);
        if (!parsed.success) return this.unknown();
        this.summary.result = parsed.data;
        this.summary.sessionId ??= parsed.data.session_id;
        return this.emit({ kind: 'result', result: parsed.data });
      }
      default:
        return this.unknown();
    }
  }

  private system(raw: unknown): void {
    const parsed = systemEventSchema.safeParse(raw);
    if (!parsed.success) return this.unknown();
    const event = parsed.data;
    if (event.subtype === 'init') {
      this.summary.sessionId = event.session_id;
      this.summary.model = event.model;
      this.summary.cliVersion = event.claude_code_version;
      this.emit({ kind: 'init', sessionId: event.session_id, model: event.model, cliVersion: event.claude_code_version });
    } else if (event.subtype === 'api_retry') {
      this.summary.apiRetries += 1;
      this.emit({
        kind: 'api_retry',
        attempt: event.attempt,
        maxRetries: event.max_retries,
        delayMs: event.retry_delay_ms,
        status: event.error_status,
      });
    }
  }

  private message(parsed: { success: true; data: MessageEvent } | { success: false }): void {
    if (!parsed.success) return this.unknown();
    const event = parsed.data;
    if (event.is_api_error_message) {
      this.summary.lastApiError = {
        status: event.api_error_status,
        apiError: event.api_error,
        rateLimit: event.api_error_params?.rate_limit_info,
        error: event.error,
      };
      return;
    }
    if (typeof event.message.content === 'string') return;
    for (const block of event.message.content) {
      if (block.type === 'tool_use') {
        this.summary.toolCalls += 1;
        this.progress('tool_use', block.name);
      } else if (block.type === 'tool_result') {
        this.progress('tool_result');
      }
    }
  }

  private progress(what: 'tool_use' | 'tool_result' | 'tool_progress', tool?: string): void {
    const at = this.now();
    this.summary.lastProgressAt = at;
    this.emit({ kind: 'progress', what, at, ...(tool === undefined ? {} : { tool }) });
  }

  private unknown(): void {
    this.summary.unknownEvents += 1;
  }

  private noteCliText(line: string): void {
    const text = this.summary.cliText;
    text.push(line.length > CLI_TEXT_CHARS ? `${line.slice(0, CLI_TEXT_CHARS)}…` : line);
    if (text.length > CLI_TEXT_LINES) text.shift();
  }

  private emit(signal: StreamSignal): void {
    this.options.onSignal?.(signal);
  }
}

/** Parses a whole stream (or a `--output-format json` document) held in memory. */
export function parseClaudeStream(text: string, options: StreamParserOptions = {}): StreamSummary {
  const parser = new ClaudeStreamParser(options);
  parser.write(text);
  return parser.end();
}
