import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaudeOutputTail, parseClaudeOutputFile } from '../../src/adapters/claude/output-file.js';
import { makeTempDir } from '../helpers/temp.js';
import { ClaudeStreamParser, parseClaudeStream, type StreamSignal } from '../../src/adapters/claude/stream-parser.js';

const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const toolUse = (name: string) =>
  line({ type: 'assistant', message: { content: [{ type: 'tool_use', id: `toolu_${name}`, name, input: {} }] } });
const toolResult = line({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'ok' }] } });
const success = line({
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'done',
  session_id: 's-1',
  total_cost_usd: 0.5,
  num_turns: 2,
});

describe('ClaudeStreamParser', () => {
  it('reports tool calls, tool results and tool_progress as progress with the injected clock', () => {
    let tick = 0;
    const signals: StreamSignal[] = [];
    const parser = new ClaudeStreamParser({
      now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
      onSignal: (signal) => signals.push(signal),
    });
    parser.write(toolUse('Bash') + toolResult + line({ type: 'tool_progress', tool_name: 'Bash', elapsed_time_seconds: 30 }) + success);
    const summary = parser.end();
    expect(
      signals
        .filter((signal) => signal.kind === 'progress')
        .map((signal) => (signal.kind === 'progress' ? [signal.what, signal.tool] : [])),
    ).toEqual([
      ['tool_use', 'Bash'],
      ['tool_result', undefined],
      ['tool_progress', 'Bash'],
    ]);
    expect(summary.toolCalls).toBe(1);
    expect(summary.lastProgressAt?.toISOString()).toBe('2026-01-01T00:00:02.000Z');
    expect(summary.result?.total_cost_usd).toBe(0.5);
  });

  it('counts unknown event types and malformed lines without failing, and keeps the CLI text', () => {
    const summary = parseClaudeStream(
      [
        line({ type: 'stream_event', event: { type: 'content_block_delta' } }),
        line({ type: 'something_new_in_2027', payload: [1, 2, 3] }),
        line({ type: 'system', subtype: 'hook_progress' }),
        line({ type: 'result', subtype: 'success' }),
        '{"type":"result", broken\n',
        line({ type: 'assistant', message: { content: [{ type: 'text', text: 'the word "tool_use" quoted' }] } }),
        'Error: Session ID 1 is already in use.\n',
        success,
      ].join(''),
    );
    expect(summary.unknownEvents).toBe(2);
    // The partial-message delta and the plain text message cannot carry a signal: not even parsed.
    expect(summary.skippedEvents).toBe(2);
    expect(summary.toolCalls).toBe(0);
    expect(summary.invalidLines).toBe(1);
    expect(summary.cliText).toEqual(['{"type":"result", broken', 'Error: Session ID 1 is already in use.']);
    expect(summary.result?.result).toBe('done');
  });

  it('skips a line longer than the cap instead of buffering it, and carries on after it', () => {
    const parser = new ClaudeStreamParser({ maxLineBytes: 1024 });
    parser.write(toolUse('Read'));
    const huge = line({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(10_000) }] } });
    for (let index = 0; index < huge.length; index += 100) parser.write(huge.slice(index, index + 100));
    parser.write(toolUse('Write') + success);
    const summary = parser.end();
    expect(summary.oversizedLines).toBe(1);
    expect(summary.toolCalls).toBe(2);
    expect(summary.result?.session_id).toBe('s-1');
  });

  it('keeps a bounded number of CLI text lines however long the stream', () => {
    const parser = new ClaudeStreamParser();
    for (let index = 0; index < 1000; index += 1) parser.write(`warning ${index} ${'y'.repeat(2000)}\n`);
    const summary = parser.end();
    expect(summary.cliText).toHaveLength(20);
    expect(summary.cliText.at(-1)).toMatch(/^warning 999 y+…$/);
    expect(summary.cliText.every((text) => text.length <= 501)).toBe(true);
  });

  it('parses a last line without a trailing newline', () => {
    expect(parseClaudeStream(success.trimEnd()).result?.subtype).toBe('success');
  });

  it('reads older cost field names into total_cost_usd', () => {
    const old = parseClaudeStream(line({ type: 'result', subtype: 'success', is_error: false, total_cost: 0.25 }));
    expect(old.result?.total_cost_usd).toBe(0.25);
    const older = parseClaudeStream(line({ type: 'result', subtype: 'success', is_error: false, cost_usd: 0.125 }));
    expect(older.result?.total_cost_usd).toBe(0.125);
  });

  it('a later allowed rate_limit_event replaces an earlier rejected one', () => {
    const summary = parseClaudeStream(
      line({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 100, rateLimitType: 'five_hour' } }) +
        line({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed' } }),
    );
    expect(summary.lastRateLimit?.status).toBe('allowed');
  });
});

describe('ClaudeOutputTail', () => {
  it("sees progress appended to a running attempt's output file, reading only the new bytes", async () => {
    const file = join(makeTempDir('hw-tail-'), 'out.log');
    const progress: string[] = [];
    const tail = new ClaudeOutputTail(file, { onSignal: (signal) => signal.kind === 'progress' && progress.push(signal.what) });
    expect(await tail.poll()).toBe(0);
    const first = toolUse('Bash');
    appendFileSync(file, first + toolResult.slice(0, 20));
    expect(await tail.poll()).toBe(first.length + 20);
    expect(progress).toEqual(['tool_use']);
    appendFileSync(file, toolResult.slice(20) + success);
    await tail.poll();
    expect(progress).toEqual(['tool_use', 'tool_result']);
    expect(tail.parser.summary.result?.subtype).toBe('success');
    expect((await parseClaudeOutputFile(file)).toolCalls).toBe(1);
  });
});
