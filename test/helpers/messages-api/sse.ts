/**
 * Server-Sent Events bodies in the order the Messages API streams them (docs/CLAUDE-CODE.md section 9):
 * message_start, per block content_block_start/delta/stop, message_delta, message_stop.
 */
export type ContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: Record<string, unknown> };

export interface ScriptedMessage {
  readonly id: string;
  readonly model: string;
  readonly content: readonly ContentBlock[];
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const stopReason = (message: ScriptedMessage) => (message.content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');

export function sseBody(message: ScriptedMessage): string {
  const parts = [
    event('message_start', {
      type: 'message_start',
      message: {
        id: message.id,
        type: 'message',
        role: 'assistant',
        model: message.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: message.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      parts.push(event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      parts.push(event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } }));
    } else {
      parts.push(
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        }),
      );
      parts.push(
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
        }),
      );
    }
    parts.push(event('content_block_stop', { type: 'content_block_stop', index }));
  });
  parts.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason(message), stop_sequence: null },
      usage: { output_tokens: message.outputTokens },
    }),
  );
  parts.push(event('message_stop', { type: 'message_stop' }));
  return parts.join('');
}

/** The same message as one JSON body, for a request without `"stream": true`. */
export function jsonBody(message: ScriptedMessage): unknown {
  return {
    id: message.id,
    type: 'message',
    role: 'assistant',
    model: message.model,
    content: message.content,
    stop_reason: stopReason(message),
    stop_sequence: null,
    usage: {
      input_tokens: message.inputTokens,
      output_tokens: message.outputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}
