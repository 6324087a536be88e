import { beforeAll, expect, it } from 'vitest';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { byToolResults, text, toolUse, withUsage, type Script } from '../helpers/messages-api/script.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

/*
 * docs/SPEC.md section 11.1 with the real claude CLI: the cost it reports in its result is what the
 * budget adds up. The CLI prices the usage the scripted API returns with its own table; for
 * claude-sonnet-4-5 that is $3 per million input tokens and $15 per million output tokens, so an
 * attempt of two requests, each 100,000 tokens in and 10,000 out, costs exactly $0.90.
 */
const USAGE = { input: 100_000, output: 10_000 };
const ATTEMPT_USD = 2 * ((USAGE.input * 3 + USAGE.output * 15) / 1_000_000);

describeWith(['claude', 'git'], 'a daily budget under the real worker loop (real claude CLI, its reported cost)', () => {
  it('one attempt of $0.90 reaches a $0.85 budget: the second task does not start, every view says so, and resume --budget starts it', async () => {
    const work = byToolResults([
      toolUse('Bash', { command: 'git commit -q --allow-empty -m "work"', description: 'Commit' }),
      text('Done.'),
    ]);
    const script: Script = (request) => withUsage(work(request), USAGE);
    const bench = await makeClaudeWorkerBench(script, { settings: { CLAUDE_MODEL: 'claude-sonnet-4-5', BUDGET_DAILY_USD: '0.85' } });
    const first = await bench.backend.add({ subissue: '61', parent: '60', priority: 1 });
    const worker = bench.startWorker(1);
    const fail = (error: Error) => {
      throw new Error(`${error.message}\n${worker.output.join('\n')}`);
    };
    await waitFor(async () => (await bench.backend.get(first.id))?.status === 'done', { timeoutMs: 90_000, what: 'task 61 done' }).catch(
      fail,
    );
    expect(bench.api.messageRequests()).toHaveLength(2);
    expect(bench.history()[0]?.cost_usd).toBeCloseTo(ATTEMPT_USD, 10);

    const second = await bench.backend.add({ subissue: '62', parent: '60', priority: 1 });
    const reached = 'budget reached: $0.90 of $0.85 today';
    await waitFor(() => worker.output.some((line) => line.includes(`dispatch stopped, ${reached}`)), {
      timeoutMs: 30_000,
      what: 'the worker to stop at the budget',
    }).catch(fail);
    await new Promise((settle) => setTimeout(settle, 1500));
    expect(await bench.backend.get(second.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(bench.api.messageRequests()).toHaveLength(2);

    const home = { home: bench.paths.root, env: bench.env };
    const status = await runBin('worker-manager', ['status', '--json'], home);
    expect(status.exitCode, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { holds: { budget_reached: { text: string }[] } }).holds.budget_reached).toMatchObject([
      { text: reached },
    ]);

    const raised = await runBin('worker-manager', ['resume', '--budget', '2'], home);
    expect(raised.exitCode, raised.stderr).toBe(0);
    expect(raised.stdout).toContain('is now $2.00 (budget: $0.90 of $2.00 today');
    await waitFor(async () => (await bench.backend.get(second.id))?.status === 'done', {
      timeoutMs: 90_000,
      what: 'task 62 done after the raise',
    }).catch(fail);
    expect(bench.history().map((record) => record.cost_usd)).toEqual([expect.closeTo(ATTEMPT_USD, 10), expect.closeTo(ATTEMPT_USD, 10)]);
  }, 240_000);
});
