import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogRenderer, parseLogLine, renderLogText, summarizeToolInput, trimResult } from '../../src/adapters/claude/stream-render.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'claude-captured');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('worker-queue logs: Claude stream-json as readable text', () => {
  it('shows what the assistant said, each tool call with its input in one line, the results, and the result with cost and turns', () => {
    expect(renderLogText(fixture('stream_tool_calls.jsonl'))).toBe(
      [
        '[session 1779afcc-f061-407f-a828-4703fae846fa, model claude-opus-5-5]',
        'I will add the note and commit it.',
        '> Write: /tmp/hw-repo-K8rDEQ/NOTE.md',
        '  | File created successfully at: /tmp/hw-repo-K8rDEQ/NOTE.md (file state is current in your context — no need to Read it back)',
        '> Bash: git add NOTE.md && git commit -q -m "add note for #42" && git log --oneline | head -3',
        '  | 7475756 add note for #42',
        '  | 4f24d9d initial commit',
        '> Bash: cat /nonexistent-file-for-capture',
        '[Bash call refused by the permission settings]',
        "  ! cat in '/nonexistent-file-for-capture' was blocked. For security, Claude Code may only concatenate files from the allowed working directories for this session: '/tmp/hw-repo-K8rDEQ'.",
        'Committed NOTE.md.',
        '[result: success, 4 turns, $0.0007, 0.3 s]',
        '',
      ].join('\n'),
    );
  });

  it("shows the CLI's retries of an overloaded API and an error result", () => {
    expect(renderLogText(fixture('stream_529.jsonl')).split('\n')).toEqual([
      '[session ec7301c1-4519-4231-8ef3-50cfe3aeca0d, model claude-sonnet-4-5]',
      '[API error, the CLI retries (attempt 1)]',
      '[API error, the CLI retries (attempt 2)]',
      expect.stringMatching(/^API Error: 529 Overloaded\./),
      '[result: error, 1 turn, $0.0000, 1.9 s]',
      '',
    ]);
  });

  it('shows a refused plan limit as a rate-limit notice', () => {
    expect(renderLogText(fixture('stream_429unified_oauth.jsonl'))).toContain("[rate limit: rejected]\nYou've hit your 5-hour limit");
  });

  it("keeps every line that is not one of Claude's events as it is: a command agent's output, the CLI's stderr", () => {
    const output = 'building...\n{"not":"claude"}\n{"type":"info","msg":"a command agent\'s own JSON"}\n[1/3] ok\n';
    expect(renderLogText(output)).toBe(output);
    expect(parseLogLine('{"type":"stream_event","event":{}}')).toEqual([]);
    expect(parseLogLine('{"type":"tool_progress","tool_name":"Bash"}')).toEqual([]);
    expect(parseLogLine('{"type":"assistant",')).toEqual([{ kind: 'plain', line: '{"type":"assistant",' }]);
  });

  it('leaves no raw stream-json in the text of any captured stream', () => {
    for (const name of readdirSync(FIXTURES).filter((file) => file.startsWith('stream_')))
      expect(renderLogText(fixture(name)), name).not.toMatch(/^\{"/m);
  });

  it('summarizes a tool input by its telling field, else as compact JSON cut to one line', () => {
    expect(summarizeToolInput({ command: 'npm test\n  -- --run', description: 'Run the tests' })).toBe('npm test -- --run');
    expect(summarizeToolInput({ todos: [{}, {}] })).toBe('2 item(s)');
    expect(summarizeToolInput({ a: 'x'.repeat(300) })).toHaveLength(120);
  });

  it('trims a long tool result to its first lines and says how many were left out', () => {
    const long = Array.from({ length: 40 }, (_, index) => `line ${index}`).join('\n');
    expect(trimResult(long)).toBe('line 0\nline 1\nline 2\nline 3\nline 4\nline 5\n… (34 more lines)');
  });

  it('renders a stream arriving in pieces, split inside lines and UTF-8 characters, as the whole file', () => {
    const bytes = readFileSync(join(FIXTURES, 'stream_tool_calls.jsonl'));
    const renderer = new LogRenderer();
    let text = '';
    for (let index = 0; index < bytes.length; index += 5) text += renderer.write(bytes.subarray(index, index + 5));
    text += renderer.end();
    expect(text).toBe(renderLogText(bytes.toString('utf8')));
  });
});
