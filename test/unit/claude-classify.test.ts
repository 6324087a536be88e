import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClaudeRunWatch } from '../../src/adapters/claude/output-file.js';
import { makeTempDir } from '../helpers/temp.js';
import { classifyRun, resetFromText } from '../../src/adapters/claude/classify.js';
import { parseClaudeStream } from '../../src/adapters/claude/stream-parser.js';

const NOW = new Date('2026-11-27T23:00:00Z');
const LIMIT_TEXT = "You've hit your 5-hour limit · resets 11:54pm (UTC)";
const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const classify = (text: string, exitCode = 1) => classifyRun({ summary: parseClaudeStream(text), exitCode, now: NOW });

const result = (fields: Record<string, unknown>) =>
  line({
    type: 'result',
    subtype: 'success',
    is_error: true,
    session_id: 's',
    num_turns: 1,
    total_cost_usd: 0,
    terminal_reason: 'api_error',
    ...fields,
  });

describe('classifyRun', () => {
  it('takes missing credentials for an authentication failure, though the CLI reports them as an api_error', () => {
    const notLoggedIn = result({ api_error_status: null, result: 'Not logged in · Please run /login' });
    expect(classify(notLoggedIn).kind).toBe('auth_failure');
    const synthetic = line({
      type: 'assistant',
      is_api_error_message: true,
      error: 'authentication_failed',
      message: { content: [{ type: 'text', text: 'x' }] },
    });
    expect(classify(synthetic + result({ api_error_status: null, result: 'Credentials refused' })).kind).toBe('auth_failure');
    // An overload whose text happens to mention logging in is still an overload.
    expect(
      classify(result({ api_error_status: 529, api_error_type: 'overloaded_error', result: 'Overloaded; please run /login later' })).kind,
    ).toBe('transient');
  });

  it('ignores limit text the agent merely quotes in its messages, tool results and final answer', () => {
    const stream =
      line({ type: 'assistant', message: { content: [{ type: 'text', text: LIMIT_TEXT }] } }) +
      line({
        type: 'user',
        message: { content: [{ type: 'tool_result', tool_use_id: 't', content: `${LIMIT_TEXT}\nrate_limit_event rejected` }] },
      }) +
      line({
        type: 'assistant',
        message: { content: [{ type: 'tool_use', id: 't2', name: 'Bash', input: { command: `echo "${LIMIT_TEXT}"` } }] },
      });
    const quotedSuccess = classify(
      stream + line({ type: 'result', subtype: 'success', is_error: false, result: LIMIT_TEXT, num_turns: 3 }),
      0,
    );
    expect(quotedSuccess.kind).toBe('success');
    const quotedCrash = classify(
      stream + line({ type: 'result', subtype: 'error_during_execution', is_error: true, terminal_reason: 'aborted_tools', errors: ['x'] }),
    );
    expect(quotedCrash.kind).toBe('agent_error');
    const quotedThenKilled = classifyRun({ summary: parseClaudeStream(stream), now: NOW });
    expect(quotedThenKilled.kind).toBe('agent_error');
  });

  it('takes the reset time and limit type from the rate_limit_event when the result has only api_error', () => {
    const outcome = classify(
      line({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1795823683, rateLimitType: 'seven_day' } }) +
        result({ api_error_status: 429, api_error: 'usage_limit_reached', result: "You've hit your weekly limit" }),
    );
    expect(outcome).toMatchObject({ kind: 'usage_limit', limitType: 'seven_day', resetsAt: new Date(1795823683_000) });
  });

  it('falls back to the synthetic API error message for the reset time', () => {
    const outcome = classify(
      line({
        type: 'assistant',
        is_api_error_message: true,
        api_error_status: 429,
        api_error: 'usage_limit_reached',
        api_error_params: { rate_limit_info: { status: 'rejected', resetsAt: 1795820000, rateLimitType: 'five_hour' } },
        message: { content: [{ type: 'text', text: LIMIT_TEXT }] },
      }) + result({ api_error_status: 429, result: LIMIT_TEXT }),
    );
    expect(outcome).toMatchObject({ kind: 'usage_limit', limitType: 'five_hour', resetsAt: new Date(1795820000_000) });
  });

  it('uses the CLI message text only as a fallback, with the reset time of day in UTC', () => {
    const outcome = classify(result({ api_error_status: 429, api_error_type: 'rate_limit_error', result: LIMIT_TEXT }));
    expect(outcome).toMatchObject({ kind: 'usage_limit', resetsAt: new Date('2026-11-27T23:54:00Z') });
    expect(outcome.kind === 'usage_limit' && outcome.limitType).toBeFalsy();
    const noResult = classifyRun({ summary: parseClaudeStream(`${LIMIT_TEXT}\n`), exitCode: 1, now: NOW });
    expect(noResult.kind).toBe('usage_limit');
  });

  it('a rejected rate_limit_event followed by a success is a success', () => {
    const outcome = classify(
      line({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1 } }) +
        line({ type: 'result', subtype: 'success', is_error: false, result: 'ok', total_cost_usd: 0.01 }),
      0,
    );
    expect(outcome.kind).toBe('success');
  });

  it('a rejected rate_limit_event and then the process killed (no result) is a usage limit', () => {
    const summary = parseClaudeStream(
      line({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1795823683, rateLimitType: 'five_hour' } }),
    );
    expect(classifyRun({ summary, now: NOW })).toMatchObject({ kind: 'usage_limit', resetsAt: new Date(1795823683_000) });
  });

  it('classifies authentication failures by status, type or CLI text, never retried', () => {
    expect(classify(result({ api_error_status: 403, api_error_type: 'permission_error', result: 'OAuth org not allowed' })).kind).toBe(
      'auth_failure',
    );
    expect(classify(result({ api_error_status: null, api_error_type: 'authentication_error', result: 'x' })).kind).toBe('auth_failure');
    expect(classifyRun({ summary: parseClaudeStream('Not logged in · Please run /login\n'), exitCode: 1, now: NOW }).kind).toBe(
      'auth_failure',
    );
  });

  it('classifies overload, server errors and throttles as transient, whatever the exit code', () => {
    for (const [status, type] of [
      [529, 'overloaded_error'],
      [500, 'api_error'],
      [503, 'api_error'],
      [429, 'rate_limit_error'],
    ] as const) {
      expect(classify(result({ api_error_status: status, api_error_type: type, result: 'API Error' }), 0)).toMatchObject({
        kind: 'transient',
        status,
      });
    }
  });

  it('max turns, budget, crashes and a missing session', () => {
    expect(
      classify(
        line({
          type: 'result',
          subtype: 'error_max_turns',
          is_error: true,
          terminal_reason: 'max_turns',
          errors: ['Reached maximum number of turns (2)'],
        }),
      ).kind,
    ).toBe('max_turns');
    expect(
      classify(line({ type: 'result', subtype: 'error_max_budget_usd', is_error: true, terminal_reason: 'budget_exhausted' })),
    ).toMatchObject({
      kind: 'agent_error',
      retry: false,
    });
    expect(classify('')).toMatchObject({ kind: 'agent_error', retry: true, message: 'claude exited with code 1 without a result' });
    expect(classify('No conversation found with session ID: 1234\n')).toMatchObject({ kind: 'agent_error', resumeFailed: true });
  });

  it('sums tokens over modelUsage (which includes subagents) and keeps cost, turns and durations', () => {
    const outcome = classify(
      line({
        type: 'result',
        subtype: 'success',
        is_error: false,
        session_id: 'abc',
        total_cost_usd: 1.5,
        num_turns: 7,
        duration_ms: 900,
        duration_api_ms: 600,
        usage: { input_tokens: 1, output_tokens: 1 },
        modelUsage: {
          a: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 3 },
          b: { inputTokens: 1, outputTokens: 2, cacheCreationInputTokens: 4 },
        },
      }),
      0,
    );
    expect(outcome.usage).toEqual({
      sessionId: 'abc',
      costUsd: 1.5,
      numTurns: 7,
      durationMs: 900,
      durationApiMs: 600,
      inputTokens: 11,
      outputTokens: 7,
      cacheReadTokens: 3,
      cacheCreationTokens: 4,
      models: ['a', 'b'],
    });
  });
});

describe('resetFromText', () => {
  it('finds the next occurrence of a UTC time of day and refuses other zones', () => {
    expect(resetFromText('resets 3am (UTC)', NOW)?.toISOString()).toBe('2026-11-28T03:00:00.000Z');
    expect(resetFromText('resets 12:30am (UTC)', NOW)?.toISOString()).toBe('2026-11-28T00:30:00.000Z');
    expect(resetFromText('resets 12pm (UTC)', NOW)?.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(resetFromText('resets 11:54pm (Europe/Berlin)', NOW)).toBeUndefined();
  });
});

describe('ClaudeRunWatch (a run settled while it goes on)', () => {
  const retry = (status: number) =>
    line({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 600, error_status: status, error: 'x' });

  it('settles a run as an authentication failure on the first 401 retry, and never on a 529 or 429 retry', async () => {
    const dir = makeTempDir('hw-run-watch-');
    const file = join(dir, 'out.jsonl');
    writeFileSync(file, line({ type: 'system', subtype: 'init', session_id: 's' }) + retry(529) + retry(429));
    const watch = new ClaudeRunWatch(file);
    expect(await watch.check()).toBeUndefined();
    appendFileSync(file, retry(401));
    expect(await watch.check()).toMatchObject({ kind: 'auth_failure', message: expect.stringMatching(/HTTP 401/) });
    expect(await new ClaudeRunWatch(join(dir, 'missing.jsonl')).check()).toBeUndefined();
  });
});
