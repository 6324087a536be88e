import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { renderLogText } from '../../src/adapters/claude/stream-render.js';
import { afterThisTest } from '../helpers/after-test.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { binPath, runBin, spawnWorker, testEnv } from '../helpers/run-bin.js';
import { describeEachBackend } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * docs/SPEC.md section 8.1: `worker-queue logs REF [--follow] [--raw]` shows a task's attempt as
 * readable text. The real worker binary runs the fake agent, which writes a captured Claude stream
 * in two parts around a gate, so `--follow` is seen printing while the attempt runs and ending
 * when it ends.
 */

const STREAM = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'claude-captured', 'stream_tool_calls.jsonl'), 'utf8');

describeEachBackend(['git'], 'worker-queue logs on the %s backend', (backendName) => {
  it(
    "says a queued task has no output yet, follows a running attempt's Claude stream as readable text until it ends, and prints it whole or raw afterwards",
    { timeout: 120_000 },
    async () => {
      const bench = await makeWorkerBench(backendName);
      bench.setScenario({ default: 'claude-stream-gate' });
      const queue = (args: string[]) => runBin('worker-queue', args, { home: bench.home, env: bench.env, cwd: bench.repo });
      expect((await queue(['add', '1', '300', '301'])).exitCode).toBe(0);

      const before = await queue(['logs', '301']);
      expect(before.exitCode).toBe(1);
      expect(before.stderr.trim()).toMatch(
        /^worker-queue: .*#301 \(id:\d+\) has no output yet: it is queued and no attempt has started\.$/,
      );

      spawnWorker(bench, 1);
      await waitFor(() => bench.starts().length === 1, { timeoutMs: 30_000, what: 'the agent to start' });
      const follow = execa(process.execPath, [binPath('worker-queue'), 'logs', '#301', '--follow'], {
        cwd: bench.repo,
        env: testEnv({ CLAUDE_WORKERS_HOME: bench.home, ...bench.env }),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      });
      afterThisTest(async () => {
        follow.kill('SIGKILL');
        await follow.catch(() => undefined);
      });
      let printed = '';
      follow.stdout!.on('data', (chunk: Buffer) => {
        printed += chunk.toString('utf8');
      });
      await waitFor(() => printed.includes('> Write: '), { timeoutMs: 20_000, what: 'the first part of the stream' });
      // The attempt is still running (the agent waits at its gate): so does --follow.
      expect(printed).toContain('I will add the note and commit it.');
      expect(printed).not.toContain('[result:');
      expect(follow.exitCode).toBeNull();

      writeFileSync(join(bench.agentDir, 'go-301'), '');
      const ended = await follow;
      expect(ended.exitCode, ended.stderr).toBe(0);
      expect(printed).toBe(renderLogText(STREAM));
      expect(printed).toContain('> Bash: git add NOTE.md && git commit -q -m "add note for #42"');
      expect(printed).toContain('[result: success, 4 turns, $0.0007, 0.3 s]');

      await waitFor(async () => (await queue(['list', '--json'])).stdout.includes('"status": "done"'), {
        timeoutMs: 20_000,
        what: 'the task to be done',
      });
      const whole = await queue(['logs', '301']);
      expect(whole.exitCode).toBe(0);
      expect(whole.stdout).toBe(renderLogText(STREAM).replace(/\n$/, ''));
      const raw = await queue(['logs', '301@1', '--raw']);
      expect(raw.stdout).toBe(STREAM.replace(/\n$/, ''));
      const missing = await queue(['logs', '301@2']);
      expect(missing.exitCode).toBe(1);
      expect(missing.stderr).toMatch(/#301 \(id:\d+\) has no attempt 2 here; its attempts are 1\.$/);

      // The page's log link: the same text, behind the page's token, without --allow-actions.
      const dashboard = await startDashboard(bench.home, [], { ...bench.env, WORKERS_DASHBOARD_TOKEN: 'log-test-token' });
      const logUrl = (ref: string) => `${dashboard.url}log?task=${encodeURIComponent(ref)}`;
      const auth = { authorization: 'Bearer log-test-token' };
      expect((await fetch(logUrl(`${bench.repo}#301`))).status).toBe(401);
      const page = await fetch(logUrl(`${bench.repo}#301`), { headers: auth });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await page.text()).toBe(renderLogText(STREAM));
      const unknown = await fetch(logUrl(`${bench.repo}#999`), { headers: auth });
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toMatch(/^There is no task for sub-issue 999 of .* in the queue/);

      expect((await queue(['kill', '301@1'])).stderr).toContain('"301@1" names an attempt (@1); this command acts on the whole task');
    },
  );
});
