// Parsing cost per stream-json event of the Claude Code adapter (src/adapters/claude/), on a
// large synthetic verbose stream shaped like claude 2.1.332's (init, assistant text and tool_use,
// user tool_result, tool_progress, api_retry, rate_limit_event, partial-message stream_event,
// result), fed in 64 KiB chunks as from a pipe. Compared with a bare split + JSON.parse
// baseline, so the zod share is visible. Run: node scripts/bench/claude-parse.mjs [events]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EVENTS = Number(process.argv[2] ?? 200_000);
const RUNS = 7;
const CHUNK = 64 * 1024;

const out = mkdtempSync(join(tmpdir(), 'hw-bench-claude-'));
await build({
  entryPoints: [join(root, 'src/adapters/claude/stream-parser.ts'), join(root, 'src/adapters/claude/classify.ts')],
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const { ClaudeStreamParser } = await import(pathToFileURL(join(out, 'stream-parser.js')).href);
const { classifyRun } = await import(pathToFileURL(join(out, 'classify.js')).href);
rmSync(out, { recursive: true, force: true });

const session = '4944dfa6-f2d2-4c10-8f7c-5e17adeaa40f';
const words = 'the quick brown fox jumps over the lazy dog while the build runs and tests pass '.repeat(12);
const usage = { input_tokens: 1200, output_tokens: 80, cache_creation_input_tokens: 0, cache_read_input_tokens: 9000 };
const make = (index) => {
  switch (index % 10) {
    case 0:
      return {
        type: 'assistant',
        message: {
          id: `msg_${index}`,
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [{ type: 'text', text: words }],
          usage,
        },
        parent_tool_use_id: null,
        session_id: session,
        uuid: `u${index}`,
      };
    case 1:
      return {
        type: 'assistant',
        message: {
          id: `msg_${index}`,
          role: 'assistant',
          content: [
            {
              type: 'tool_use',
              id: `toolu_${index}`,
              name: 'Bash',
              input: { command: 'npm test -- --reporter=dot', description: 'Run the tests' },
            },
          ],
          usage,
        },
        session_id: session,
        uuid: `u${index}`,
      };
    case 2:
      return {
        type: 'user',
        message: {
          role: 'user',
          content: [{ tool_use_id: `toolu_${index - 1}`, type: 'tool_result', content: words.repeat(2), is_error: false }],
        },
        session_id: session,
        uuid: `u${index}`,
      };
    case 3:
      return {
        type: 'tool_progress',
        tool_use_id: `toolu_${index}`,
        tool_name: 'Bash',
        elapsed_time_seconds: 30,
        session_id: session,
        uuid: `u${index}`,
      };
    case 4:
      return {
        type: 'system',
        subtype: 'api_retry',
        attempt: 1,
        max_retries: 10,
        retry_delay_ms: 550,
        error_status: 529,
        error: 'overloaded',
        session_id: session,
        uuid: `u${index}`,
      };
    case 5:
      return {
        type: 'rate_limit_event',
        rate_limit_info: { status: 'allowed', isUsingOverage: false },
        session_id: session,
        uuid: `u${index}`,
      };
    default:
      return {
        type: 'stream_event',
        event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial token text ' } },
        session_id: session,
        uuid: `u${index}`,
      };
  }
};
const init = {
  type: 'system',
  subtype: 'init',
  cwd: '/home/dev/repo',
  session_id: session,
  tools: Array.from({ length: 30 }, (_, i) => `Tool${i}`),
  model: 'claude-sonnet-4-5',
  claude_code_version: '2.1.332',
};
const result = {
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'done',
  session_id: session,
  num_turns: 40,
  total_cost_usd: 1.23,
  usage,
  modelUsage: { 'claude-sonnet-4-5': { inputTokens: 1, outputTokens: 2, costUSD: 1.23 } },
  terminal_reason: 'completed',
};
const lines = [JSON.stringify(init)];
for (let index = 0; index < EVENTS - 2; index += 1) lines.push(JSON.stringify(make(index)));
lines.push(JSON.stringify(result));
const stream = Buffer.from(`${lines.join('\n')}\n`);
const chunks = [];
for (let offset = 0; offset < stream.length; offset += CHUNK) chunks.push(stream.subarray(offset, offset + CHUNK));

function adapter() {
  const parser = new ClaudeStreamParser({ onSignal: () => undefined });
  for (const chunk of chunks) parser.write(chunk);
  const summary = parser.end();
  if (summary.lines !== EVENTS || classifyRun({ summary, exitCode: 0, now: new Date() }).kind !== 'success')
    throw new Error('bench stream misparsed');
}

function baseline() {
  let rest = '';
  let count = 0;
  for (const chunk of chunks) {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop();
    for (const part of parts) if (part) count += JSON.parse(part).type ? 1 : 0;
  }
  if (count !== EVENTS) throw new Error('baseline misparsed');
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
function measure(fn) {
  fn();
  const times = [];
  for (let run = 0; run < RUNS; run += 1) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const adapterMs = measure(adapter);
const baselineMs = measure(baseline);
const mb = stream.length / 1024 / 1024;
const row = (name, ms) =>
  `${name.padEnd(28)} ${ms.toFixed(1).padStart(8)} ms  ${Math.round(EVENTS / (ms / 1000))
    .toLocaleString('en')
    .padStart(10)} events/s  ${Math.round((ms * 1e6) / EVENTS)
    .toLocaleString('en')
    .padStart(6)} ns/event  ${(mb / (ms / 1000)).toFixed(0).padStart(5)} MiB/s`;
console.log(
  `stream: ${EVENTS.toLocaleString('en')} events, ${mb.toFixed(1)} MiB, ${chunks.length} chunks of 64 KiB; median of ${RUNS} runs`,
);
console.log(row('adapter (zod + summary)', adapterMs));
console.log(row('baseline (split+JSON.parse)', baselineMs));
console.log(`ratio adapter/baseline: ${(adapterMs / baselineMs).toFixed(2)}x`);
