import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';

/**
 * `worker-queue logs` (docs/SPEC.md section 8.1): an attempt's output as a person reads it.
 * Claude's stream-json lines become log events (what the assistant said, each tool call with a
 * one-line summary of its input, tool results trimmed, the result with cost and turns); any
 * other line (a command agent's output, the CLI's own stderr) is kept as it is.
 */
export type LogEvent =
  | { readonly kind: 'init'; readonly model?: string; readonly sessionId?: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool_call'; readonly name: string; readonly summary: string }
  | { readonly kind: 'tool_result'; readonly text: string; readonly isError: boolean }
  | { readonly kind: 'notice'; readonly text: string }
  | {
      readonly kind: 'result';
      readonly subtype: string;
      readonly isError: boolean;
      readonly costUsd?: number;
      readonly turns?: number;
      readonly durationMs?: number;
    }
  | { readonly kind: 'plain'; readonly line: string };

const textBlock = z.object({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.object({ type: z.literal('tool_use'), name: z.string(), input: z.unknown() });
const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }))]).optional(),
  is_error: z.boolean().optional(),
});
const block = z.union([textBlock, toolUseBlock, toolResultBlock, z.object({ type: z.string() })]);

const lineSchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('system'), subtype: z.string(), model: z.string().optional(), session_id: z.string().optional() })
    .passthrough(),
  z.object({ type: z.literal('assistant'), message: z.object({ content: z.union([z.array(block), z.string()]) }) }),
  z.object({ type: z.literal('user'), message: z.object({ content: z.union([z.array(block), z.string()]) }) }),
  z.object({
    type: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean().optional(),
    result: z.string().optional(),
    num_turns: z.number().optional(),
    duration_ms: z.number().optional(),
    total_cost_usd: z.number().optional(),
  }),
  z.object({ type: z.literal('rate_limit_event'), rate_limit_info: z.object({ status: z.string() }).passthrough() }),
  z.object({ type: z.literal('stream_event') }),
]);

/** Claude's stream-json event types (docs/CLAUDE-CODE.md section 3), shown or deliberately left out. */
const CLAUDE_EVENT_TYPES = new Set(['system', 'assistant', 'user', 'result', 'rate_limit_event', 'stream_event', 'tool_progress']);

const SUMMARY_CHARS = 120;
const RESULT_LINES = 6;
const RESULT_CHARS = 600;

const oneLine = (text: string, max = SUMMARY_CHARS) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The input field that says what a tool call does, for the tools a coding agent uses most. */
const SUMMARY_FIELDS = ['command', 'file_path', 'path', 'notebook_path', 'pattern', 'url', 'query', 'description', 'prompt'];

/** One line for a tool call's input: its telling field, else the input as compact JSON. */
export function summarizeToolInput(input: unknown): string {
  if (typeof input !== 'object' || input === null) return input === undefined ? '' : oneLine(JSON.stringify(input));
  const record = input as Record<string, unknown>;
  for (const field of SUMMARY_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value.trim() !== '') return oneLine(value);
  }
  if (Array.isArray(record.todos)) return `${record.todos.length} item(s)`;
  return oneLine(JSON.stringify(input));
}

const resultText = (content: z.infer<typeof toolResultBlock>['content']) =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? `[${part.type}]`).join('\n');

/** The first lines of a tool result, saying how much was left out. */
export function trimResult(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let kept = lines.slice(0, RESULT_LINES).join('\n');
  if (kept.length > RESULT_CHARS) kept = `${kept.slice(0, RESULT_CHARS - 1)}…`;
  const more = lines.length - RESULT_LINES;
  return more > 0 ? `${kept}\n… (${more} more line${more === 1 ? '' : 's'})` : kept;
}

function blockEvents(content: readonly z.infer<typeof block>[] | string): LogEvent[] {
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ kind: 'text', text: content }];
  const events: LogEvent[] = [];
  for (const item of content) {
    if (item.type === 'text' && 'text' in item && typeof item.text === 'string') {
      if (item.text.trim() !== '') events.push({ kind: 'text', text: item.text });
    } else if (item.type === 'tool_use' && 'name' in item) {
      const use = item as z.infer<typeof toolUseBlock>;
      events.push({ kind: 'tool_call', name: use.name, summary: summarizeToolInput(use.input) });
    } else if (item.type === 'tool_result') {
      const result = item as z.infer<typeof toolResultBlock>;
      events.push({ kind: 'tool_result', text: trimResult(resultText(result.content)), isError: result.is_error === true });
    }
  }
  return events;
}

/** The events of one output line; a line that is not a stream-json event is kept as it is. */
export function parseLogLine(line: string): LogEvent[] {
  if (!line.startsWith('{')) return line === '' ? [] : [{ kind: 'plain', line }];
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return [{ kind: 'plain', line }];
  }
  const parsed = lineSchema.safeParse(json);
  if (!parsed.success) {
    // An event of Claude's this view does not show is left out; any other JSON (a command agent's own) is output.
    const type = (json as { type?: unknown }).type;
    return typeof type === 'string' && CLAUDE_EVENT_TYPES.has(type) ? [] : [{ kind: 'plain', line }];
  }
  const event = parsed.data;
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init')
        return [
          { kind: 'init', ...(event.model ? { model: event.model } : {}), ...(event.session_id ? { sessionId: event.session_id } : {}) },
        ];
      if (event.subtype === 'api_retry')
        return [{ kind: 'notice', text: `API error, the CLI retries (attempt ${String(event.attempt ?? '?')})` }];
      // Its words come again as the call's error result: named once here.
      if (event.subtype === 'permission_denied')
        return [
          {
            kind: 'notice',
            text: `${typeof event.tool_name === 'string' ? event.tool_name : 'a tool'} call refused by the permission settings`,
          },
        ];
      if (typeof event.message === 'string') return [{ kind: 'notice', text: `${event.subtype}: ${oneLine(event.message, 300)}` }];
      return [];
    case 'assistant':
    case 'user':
      return blockEvents(event.message.content);
    case 'result':
      return [
        {
          kind: 'result',
          subtype: event.subtype,
          isError: event.is_error === true,
          ...(event.total_cost_usd === undefined ? {} : { costUsd: event.total_cost_usd }),
          ...(event.num_turns === undefined ? {} : { turns: event.num_turns }),
          ...(event.duration_ms === undefined ? {} : { durationMs: event.duration_ms }),
        },
      ];
    case 'rate_limit_event':
      return event.rate_limit_info.status === 'allowed' ? [] : [{ kind: 'notice', text: `rate limit: ${event.rate_limit_info.status}` }];
    case 'stream_event':
      return [];
  }
}

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');

const money = (usd: number) => `$${usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;

/** The text of one event, without its final newline. */
export function renderLogEvent(event: LogEvent): string {
  switch (event.kind) {
    case 'init':
      return `[session ${event.sessionId ?? 'unknown'}${event.model ? `, model ${event.model}` : ''}]`;
    case 'text':
      return event.text.replace(/\s+$/, '');
    case 'tool_call':
      return `> ${event.name}${event.summary === '' ? '' : `: ${event.summary}`}`;
    case 'tool_result':
      return indent(event.text === '' ? '(no output)' : event.text, event.isError ? '  ! ' : '  | ');
    case 'notice':
      return `[${event.text}]`;
    case 'result': {
      const facts = [
        event.turns === undefined ? undefined : `${event.turns} turn${event.turns === 1 ? '' : 's'}`,
        event.costUsd === undefined ? undefined : money(event.costUsd),
        event.durationMs === undefined ? undefined : `${(event.durationMs / 1000).toFixed(1)} s`,
      ].filter((fact) => fact !== undefined);
      // Its text is the assistant's last message, shown just above it.
      const verdict = !event.isError ? event.subtype : event.subtype === 'success' ? 'error' : `error (${event.subtype})`;
      return `[result: ${verdict}${facts.length > 0 ? `, ${facts.join(', ')}` : ''}]`;
    }
    case 'plain':
      return event.line;
  }
}

/** A whole output as readable text (`--raw` prints the file instead). */
export const renderLogText = (text: string): string =>
  text
    .split('\n')
    .flatMap(parseLogLine)
    .map((event) => `${renderLogEvent(event)}\n`)
    .join('');

/**
 * Renders an output as it grows (`logs --follow`): `write` takes the bytes appended since the
 * last call and returns the text of the lines they completed; `end` the text of a last line
 * without a newline.
 */
export class LogRenderer {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  write(chunk: Buffer): string {
    const text = this.pending + this.decoder.write(chunk);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.pending = text;
      return '';
    }
    this.pending = text.slice(cut + 1);
    return renderLogText(text.slice(0, cut));
  }

  end(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest === '' ? '' : renderLogText(rest);
  }
}
