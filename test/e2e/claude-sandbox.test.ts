import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { countingServer } from '../helpers/counting-server.js';
import { byToolResults, text, toolUse, type Script } from '../helpers/messages-api/script.js';
import { describeWith } from '../helpers/requires.js';
import { spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * docs/SPEC.md section 15: the real claude CLI inside the real bubblewrap sandbox, with the
 * default tool list (Bash in general there). It runs the project's tests through Bash and sees
 * their output; it is refused the user's ssh key; its only way out is the worker's filtering
 * proxy, which lets it reach the model API (the scripted one on 127.0.0.1) and nothing else.
 */

interface Block {
  readonly type: string;
  readonly content?: unknown;
  readonly is_error?: boolean;
}

const toolResultsOf = (body: unknown): Block[] =>
  ((body as { messages?: { content: unknown }[] }).messages ?? [])
    .flatMap((message) => (Array.isArray(message.content) ? (message.content as Block[]) : []))
    .filter((block) => block.type === 'tool_result');

const KEY_TEXT = 'b3BlbnNzaC1rZXktdjEAAAAA-planted-secret';

describeWith(['claude', 'git', 'bwrap'], 'the real claude inside the sandbox', () => {
  it('runs a test command through Bash and sees its output, is refused the planted ssh key, and reaches only the model API', async () => {
    const other = await countingServer();
    const keyFile = { path: '' };
    const script: Script = (request) =>
      byToolResults([
        toolUse('Bash', { command: 'printf "tests: %s passed\\n" "$((40 + 2))"', description: 'Run the tests' }),
        toolUse('Bash', { command: `cat ${keyFile.path}`, description: 'Read the key' }),
        toolUse('Bash', {
          // Directly (no network but its own loopback), then through the proxy (not an allowed host).
          command: `curl -sS -m 5 --noproxy "*" http://127.0.0.1:${other.port}/ ; echo "direct=$?"; curl -sS -m 5 -o /dev/null -w "proxied=%{http_code}\\n" -x "$HTTP_PROXY" http://127.0.0.1:${other.port}/`,
          description: 'Reach another server',
        }),
        toolUse('Bash', { command: 'echo done > DONE.md && git add DONE.md && git commit -q -m "tests pass"', description: 'Commit' }),
        text('Done.'),
      ])(request);
    const bench = await makeClaudeWorkerBench(script, { settings: { CLAUDE_ALLOWED_TOOLS: '' } });
    const home = bench.env.HOME!;
    mkdirSync(join(home, '.ssh'), { recursive: true });
    keyFile.path = join(home, '.ssh', 'id_ed25519');
    writeFileSync(keyFile.path, `-----BEGIN OPENSSH PRIVATE KEY-----\n${KEY_TEXT}\n`, { mode: 0o600 });
    await bench.backend.add({ subissue: '7', parent: '1', priority: 1 });

    const worker = spawnWorker({ repo: bench.repo, env: bench.env }, 1);
    await waitFor(async () => (await bench.backend.list()).find((task) => ['done', 'failed', 'review'].includes(task.status)), {
      what: 'the task to finish',
      timeoutMs: 150_000,
      intervalMs: 200,
    }).catch(async (error: unknown) => {
      worker.kill('SIGTERM');
      throw new Error(`${String(error)}\n${(await worker).all ?? ''}`);
    });
    worker.kill('SIGTERM');
    const output = (await worker).all ?? '';
    expect(output).toMatch(/sandbox: in use/);

    const requests = bench.api.messageRequests();
    const results = toolResultsOf(requests.at(-1)!.body);
    expect(results.length, output).toBeGreaterThanOrEqual(4);
    const [tests, key, reach] = results.map((result) => JSON.stringify(result));
    expect(tests).toContain('tests: 42 passed');
    expect(results[0]!.is_error).not.toBe(true);
    expect(results[1]!.is_error, key).toBe(true);
    expect(key).toMatch(/No such file or directory/);
    expect(reach).toMatch(/direct=[1-9]/);
    expect(reach).toContain('proxied=403');
    expect(other.connections()).toBe(0);
    expect(output).toMatch(new RegExp(`sandbox proxy: refused 127\\.0\\.0\\.1:${other.port}`));
    // The key never reached the model: not in any request.
    for (const request of requests) expect(JSON.stringify(request.body)).not.toContain(KEY_TEXT);
  }, 240_000);
});
