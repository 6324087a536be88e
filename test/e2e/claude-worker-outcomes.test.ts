import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { git } from '../helpers/git-repo.js';
import { requireClaude, type Auth } from '../helpers/messages-api/claude-run.js';
import { always, byToolResults, forbidden, overloaded, text, toolUse, unauthorized, type Script } from '../helpers/messages-api/script.js';
import { describeWith, itEachBackend } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

const finished = async (bench: { backend: { get(id: string): Promise<{ status: string } | undefined> } }, id: string) =>
  waitFor(
    async () => {
      const task = await bench.backend.get(id);
      return task && ['done', 'failed', 'review'].includes(task.status) ? task : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, what: `task ${id} to finish` },
  );

describeWith(['claude', 'git'], 'the worker with WORKER_AGENT_CMD=claude (real CLI, scripted API)', () => {
  itEachBackend(
    [],
    '(a) on the %s backend: a task whose script writes a file and commits it ends as success with its cost in the history, reported by worker-performance',
    async (backend) => {
      let worktree = '';
      const script: Script = (request) =>
        byToolResults([
          toolUse('Write', { file_path: join(worktree, 'NOTE.md'), content: 'written by the scripted agent\n' }),
          toolUse('Bash', { command: 'git add NOTE.md && git commit -q -m "add note for #42"', description: 'Commit the note' }),
          text('Committed NOTE.md.'),
        ])(request);
      const bench = await makeClaudeWorkerBench(script, { backend });
      worktree = bench.worktreeOf('42', '40');
      const task = await bench.backend.add({ subissue: '42', parent: '40', priority: 5 });
      const worker = bench.startWorker(1);

      expect((await finished(bench, task.id)).status, worker.output.join('\n')).toBe('done');
      const [record] = bench.history();
      expect(record).toMatchObject({ task_id: '42', result: 'success', attempts: 1, num_turns: 3 });
      expect(record!.cost_usd).toBeGreaterThan(0);
      expect(record!.input_tokens).toBeGreaterThan(0);
      expect(record!.session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(record!.resumed).toBeUndefined();
      expect(git(bench.repo, 'log', '-1', '--format=%s', 'subissue/40-42')).toBe('add note for #42');
      expect(worker.output.join('\n')).toContain('agent claude');
      // The stream's events were progress, reported with the heartbeat.
      await waitFor(async () => (await bench.health.read()).workers['1']?.last_progress_at, {
        timeoutMs: 10_000,
        what: 'last_progress_at in the metrics',
      });

      const report = await runBin('worker-performance', ['report', '--json'], { home: bench.paths.root, env: bench.env });
      expect(report.exitCode, report.stderr).toBe(0);
      expect(report.stdout).toMatch(/"total_usd":\s*0\.\d*[1-9]/);
      const prom = await runBin('worker-performance', ['export', '--format', 'prom', '-'], { home: bench.paths.root, env: bench.env });
      expect(prom.stdout).toMatch(/task_cost_usd_total\{host="[^"]*",worker="1"\} 0\.\d*[1-9]/);
    },
    180_000,
  );

  it('(c) 529 overloaded exhausts the CLI retries; the worker retries with backoff, resuming the session, and succeeds', async () => {
    let worktree = '';
    let failuresLeft = 3;
    const script: Script = (request) => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        return overloaded();
      }
      return byToolResults([
        toolUse('Bash', { command: 'git commit -q --allow-empty -m "after the overload"', description: 'Commit' }),
        text('Done.'),
      ])(request);
    };
    const bench = await makeClaudeWorkerBench(script, { cliEnv: { CLAUDE_CODE_MAX_RETRIES: '2' } });
    worktree = bench.worktreeOf('43', '40');
    const task = await bench.backend.add({ subissue: '43', parent: '40', priority: 5 });
    const worker = bench.startWorker(1);

    expect((await finished(bench, task.id)).status, worker.output.join('\n')).toBe('done');
    expect(worktree).not.toBe('');
    expect(
      bench.api
        .messageRequests()
        .slice(0, 3)
        .map((request) => request.status),
    ).toEqual([529, 529, 529]);
    const [record] = bench.history();
    expect(record).toMatchObject({ result: 'success', attempts: 2, resumed: true });
    expect(worker.output.join('\n')).toMatch(/attempt 1: agent_error: transient API error/);
    expect(worker.output.join('\n')).toMatch(/retrying in \d+ ms/);
  });

  // Every way the CLI reports missing or refused credentials: none at all (a new user's fresh HOME), a bad key, a key without permission.
  const credentialFailures: [string, Script, Auth][] = [
    ['no credentials at all', always(text('never asked')), 'none'],
    ['a 401 for a bad key', always(unauthorized()), 'api-key'],
    ['a 403 permission_error', always(forbidden()), 'api-key'],
  ];
  it.each(credentialFailures)(
    '(d) %s ends the task as an authentication failure after exactly one attempt, with an ALERT, and stops claiming',
    async (_case, script, auth) => {
      const bench = await makeClaudeWorkerBench(script, { auth, cliEnv: { CLAUDE_CODE_MAX_RETRIES: '1' } });
      const task = await bench.backend.add({ subissue: '44', parent: '40', priority: 5 });
      const second = await bench.backend.add({ subissue: '45', parent: '40', priority: 5 });
      const worker = bench.startWorker(1);

      expect((await finished(bench, task.id)).status, worker.output.join('\n')).toBe('failed');
      const [record] = bench.history();
      expect(record).toMatchObject({ result: 'failed', error_class: 'auth_error', attempts: 1 });
      expect(record!.error).toMatch(/not retried/);
      expect(bench.events().some((line) => /\[ALERT\] .*authentication failed on task 44/.test(line))).toBe(true);
      expect(readFileSync(bench.paths.alertsLog, 'utf8')).toMatch(/authentication failed/);
      // The hold stops every worker claiming until a person lifts it.
      await waitFor(() => worker.output.some((line) => /dispatch paused until a person acts/.test(line)), {
        timeoutMs: 10_000,
        what: 'the worker to report the hold',
      });
      expect((await bench.backend.get(second.id))?.status).toBe('queued');
      const pause = new UsagePause({ paths: bench.paths, now: () => new Date(), random: Math.random, jitterMaxMs: 0 });
      expect(await pause.lift()).toMatchObject({ limitType: 'authentication', source: 'worker-1' });
      await waitFor(async () => (await bench.backend.get(second.id))?.status !== 'queued', {
        timeoutMs: 30_000,
        what: 'the next task to be claimed after the hold is lifted',
      });
    },
  );

  it('(d) a 401 with the CLI left at its default ten retries: the run is stopped at the first refusal and the hold starts within seconds', async () => {
    // No CLAUDE_CODE_MAX_RETRIES: the CLI would retry for about three minutes while the worker shows `working`.
    const bench = await makeClaudeWorkerBench(always(unauthorized()), { auth: 'api-key' });
    const task = await bench.backend.add({ subissue: '46', parent: '40', priority: 5 });
    const worker = bench.startWorker(1);
    const started = Date.now();
    await waitFor(() => worker.output.some((line) => /dispatch paused until a person acts/.test(line)), {
      timeoutMs: 60_000,
      what: 'the worker to report the authentication hold',
    });
    const tookMs = Date.now() - started;
    console.log(`401 to authentication hold: ${tookMs} ms; API requests: ${bench.api.messageRequests().length}`);
    expect(tookMs).toBeLessThan(30_000);
    expect((await finished(bench, task.id)).status).toBe('failed');
    const [record] = bench.history();
    expect(record).toMatchObject({ result: 'failed', error_class: 'auth_error', attempts: 1 });
    expect(record!.error).toMatch(/HTTP 401.*first refusal/);
    // The CLI was stopped after its first retry or two, not after ten.
    expect(bench.api.messageRequests().length).toBeLessThan(5);
  });
});
