import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyRun } from '../../src/adapters/claude/classify.js';
import { parseClaudeResultJson } from '../../src/adapters/claude/result.js';
import { ClaudeStreamParser, parseClaudeStream } from '../../src/adapters/claude/stream-parser.js';
import { REPO_ROOT } from '../helpers/run-bin.js';

/**
 * Every raw output captured from claude 2.1.332 (docs/CLAUDE-CODE.md#captured-outputs) is in
 * test/fixtures/claude-captured/. Each must be listed here with what it means; a new capture
 * without an expectation fails the coverage test.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'claude-captured');
const NOW = new Date('2026-11-27T23:00:00Z');

type Expected = {
  kind: string;
  status?: number | null;
  resetsAt?: string;
  limitType?: string;
  costUsd?: number;
  numTurns?: number;
  toolCalls?: number;
  apiRetries?: number;
  hasResult: boolean;
};

const EXPECTED: Record<string, Expected> = {
  'json_success.json': { kind: 'success', costUsd: 0.000138, numTurns: 1, hasResult: true },
  'json_401.json': { kind: 'auth_failure', status: 401, hasResult: true },
  // An API-key 429 (per-minute tokens) is a throttle, not a plan limit: retried with backoff.
  'json_429.json': { kind: 'transient', status: 429, hasResult: true },
  'json_500.json': { kind: 'transient', status: 500, hasResult: true },
  'json_529.json': { kind: 'transient', status: 529, hasResult: true },
  'json_max_turns.json': { kind: 'max_turns', numTurns: 3, costUsd: 0.000276, hasResult: true },
  'json_sigint.json': { kind: 'agent_error', hasResult: true },
  'stream_success.jsonl': { kind: 'success', costUsd: 0.000138, numTurns: 1, hasResult: true },
  'stream_529.jsonl': { kind: 'transient', status: 529, apiRetries: 2, hasResult: true },
  // With API-key auth the CLI ignores the unified headers: a generic 429, no reset time.
  'stream_429unified_apikey.jsonl': { kind: 'transient', status: 429, hasResult: true },
  'stream_429unified_oauth.jsonl': {
    kind: 'usage_limit',
    resetsAt: new Date(1795823683 * 1000).toISOString(),
    limitType: 'five_hour',
    hasResult: true,
  },
  // The retry watchdog slept through the limit and the run then succeeded: success wins.
  'stream_watchdog_usage_limit.jsonl': { kind: 'success', costUsd: 0.000138, apiRetries: 1, hasResult: true },
  // Captured by this project from claude 2.1.332 against the scripted Messages API (test/e2e/claude-cli-errors.test.ts):
  // a 403 permission_error, and no credentials at all (a fresh HOME): no request is made, and the
  // result is `terminal_reason: "api_error"` with no status, which is not a transient error.
  'stream_403_permission.jsonl': { kind: 'auth_failure', status: 403, hasResult: true },
  'stream_not_logged_in.jsonl': { kind: 'auth_failure', hasResult: true },
  // Captured the same way for `worker-queue logs`: text, Write and Bash calls, a refused Bash call, the result.
  'stream_tool_calls.jsonl': { kind: 'success', costUsd: 0.0007359999999999999, numTurns: 4, hasResult: true },
  // Hook payloads, not CLI output: tolerated (no crash, no result), never a usage limit.
  'hooks_observed.log': { kind: 'agent_error', hasResult: false },
  'hooks_settings.json': { kind: 'agent_error', hasResult: false },
};

const capturedFiles = () => readdirSync(FIXTURES).sort();

describe('captured claude 2.1.332 outputs', () => {
  it('has an expectation for every captured file', () => {
    for (const name of capturedFiles()) expect(EXPECTED, name).toHaveProperty([name]);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`parses and classifies ${name} as ${expected.kind}`, () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const summary = parseClaudeStream(text);
      expect(summary.invalidLines).toBe(0);
      expect(summary.result !== undefined).toBe(expected.hasResult);
      const outcome = classifyRun({ summary, exitCode: expected.kind === 'success' ? 0 : 1, now: NOW });
      expect(outcome.kind).toBe(expected.kind);
      if (expected.status !== undefined && outcome.kind === 'transient') expect(outcome.status).toBe(expected.status);
      if (expected.status !== undefined) expect(summary.result?.api_error_status).toBe(expected.status);
      if (outcome.kind === 'usage_limit') {
        expect(outcome.resetsAt?.toISOString()).toBe(expected.resetsAt);
        expect(outcome.limitType).toBe(expected.limitType);
      }
      if (expected.costUsd !== undefined) expect(outcome.usage?.costUsd).toBe(expected.costUsd);
      if (expected.numTurns !== undefined) expect(outcome.usage?.numTurns).toBe(expected.numTurns);
      if (expected.apiRetries !== undefined) expect(summary.apiRetries).toBe(expected.apiRetries);
      if (summary.result) expect(summary.sessionId).toBe(summary.result.session_id);
    });
  }

  it('gives the same result when a stream arrives byte by byte, split inside UTF-8 characters', () => {
    for (const name of capturedFiles().filter((file) => file.startsWith('stream_'))) {
      const bytes = readFileSync(join(FIXTURES, name));
      // One clock for both: progress times would otherwise differ by the milliseconds between them.
      const now = () => NOW;
      const parser = new ClaudeStreamParser({ now });
      for (let index = 0; index < bytes.length; index += 7) parser.write(bytes.subarray(index, index + 7));
      const whole = parseClaudeStream(bytes.toString('utf8'), { now });
      expect(parser.end(), name).toEqual(whole);
    }
  });

  it('reads every json_* capture as a `--output-format json` document too', () => {
    for (const name of capturedFiles().filter((file) => file.startsWith('json_'))) {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const result = parseClaudeResultJson(JSON.stringify(JSON.parse(text), null, 2));
      expect(result?.type, name).toBe('result');
      expect(result?.session_id, name).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(parseClaudeResultJson('Error: When using --print, --output-format=stream-json requires --verbose')).toBeUndefined();
  });

  it('surfaces the init event, tool calls as progress, and api retries', () => {
    const signals: string[] = [];
    const text = readFileSync(join(FIXTURES, 'stream_529.jsonl'), 'utf8');
    parseClaudeStream(text, { onSignal: (signal) => signals.push(signal.kind) });
    expect(signals).toEqual(['init', 'api_retry', 'api_retry', 'result']);
  });
});
