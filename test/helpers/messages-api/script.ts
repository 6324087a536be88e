import type { ContentBlock } from './sse.js';

/** One scripted answer to a `POST /v1/messages`. */
export type ScriptedAnswer =
  | {
      readonly kind: 'message';
      readonly content: readonly ContentBlock[];
      /** The tokens the answer reports (default 11 in, 7 out): what the CLI's total_cost_usd is computed from. */
      readonly usage?: { readonly input: number; readonly output: number };
    }
  /** No answer: the request is held open until the server closes (a run busy mid-request). */
  | { readonly kind: 'hold' }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly errorType: string;
      readonly message: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** What the script sees of a request: its parsed body and how many requests came before it. */
export interface ScriptedRequest {
  readonly index: number;
  readonly body: MessagesRequestBody;
  readonly toolResults: number;
}

export interface MessagesRequestBody {
  readonly model?: string;
  readonly stream?: boolean;
  readonly messages?: readonly { readonly role: string; readonly content: unknown }[];
}

export type Script = (request: ScriptedRequest) => ScriptedAnswer;

let toolUseCounter = 0;

export const text = (value: string): ScriptedAnswer => ({ kind: 'message', content: [{ type: 'text', text: value }] });

export const toolUse = (name: string, input: Record<string, unknown>): ScriptedAnswer => ({
  kind: 'message',
  content: [{ type: 'tool_use', id: `toolu_scripted_${++toolUseCounter}`, name, input }],
});

export const apiError = (status: number, errorType: string, message: string, headers?: Record<string, string>): ScriptedAnswer => ({
  kind: 'error',
  status,
  errorType,
  message,
  ...(headers ? { headers } : {}),
});

/** The same answer reporting `usage` tokens. */
export const withUsage = (answer: ScriptedAnswer, usage: { readonly input: number; readonly output: number }): ScriptedAnswer =>
  answer.kind === 'message' ? { ...answer, usage } : answer;

export const hold = (): ScriptedAnswer => ({ kind: 'hold' });

export const overloaded = () => apiError(529, 'overloaded_error', 'Overloaded');
export const unauthorized = () => apiError(401, 'authentication_error', 'invalid x-api-key');
export const forbidden = () => apiError(403, 'permission_error', 'Your API key does not have permission to use the specified resource.');

/**
 * A subscription plan limit: the unified rate-limit headers the CLI turns into a
 * `rate_limit_event` (only when logged in with an OAuth token), and `x-should-retry: false` so
 * the CLI does not retry it itself.
 */
export function usageLimit(resetsAtEpochSeconds: number, claim = 'five_hour'): ScriptedAnswer {
  const reset = String(resetsAtEpochSeconds);
  return apiError(429, 'rate_limit_error', 'You have reached your usage limit', {
    'anthropic-ratelimit-unified-status': 'rejected',
    'anthropic-ratelimit-unified-reset': reset,
    'anthropic-ratelimit-unified-representative-claim': claim,
    'anthropic-ratelimit-unified-5h-status': 'rejected',
    'anthropic-ratelimit-unified-5h-reset': reset,
    'x-should-retry': 'false',
  });
}

/**
 * Answers by how far the conversation got: the number of `tool_result` blocks in the request
 * (docs/CLAUDE-CODE.md section 9: the first request already carries two messages, so message counts mislead). Past the
 * end, the last answer repeats.
 */
export function byToolResults(answers: readonly ScriptedAnswer[]): Script {
  return ({ toolResults }) => answers[Math.min(toolResults, answers.length - 1)]!;
}

/** The same answer to every request. */
export const always =
  (answer: ScriptedAnswer): Script =>
  () =>
    answer;

/** Counts `tool_result` blocks in every message of a request. */
export function countToolResults(body: MessagesRequestBody): number {
  let count = 0;
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as unknown[]) {
      if (typeof block === 'object' && block !== null && (block as { type?: unknown }).type === 'tool_result') count += 1;
    }
  }
  return count;
}

/**
 * The first request is never answered (a run killed or stalled mid-turn); every later one commits
 * with `message` through the Bash tool and finishes: what a resumed session needs to complete.
 */
export function heldOnceThenCommit(message: string): Script {
  let held = false;
  const work = byToolResults([
    toolUse('Bash', { command: `git commit -q --allow-empty -m "${message}"`, description: 'Commit' }),
    text('Done.'),
  ]);
  return (request) => {
    if (held) return work(request);
    held = true;
    return hold();
  };
}
