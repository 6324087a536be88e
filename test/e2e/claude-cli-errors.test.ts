import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { toVerdict } from '../../src/worker/claude-agent.js';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { claudeSandbox, factsFor, requireClaude, runAttempt } from '../helpers/messages-api/claude-run.js';
import { always, forbidden, overloaded, text, unauthorized, usageLimit } from '../helpers/messages-api/script.js';
import { startMessagesApi, type MessagesApi } from '../helpers/messages-api/server.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let api: MessagesApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

beforeAll(async () => {
  await requireClaude();
});

describeWith(['claude', 'git'], 'real claude CLI failures, classified from the stream', () => {
  it('a 401 is an authentication failure, not retried', async () => {
    api = await startMessagesApi(always(unauthorized()));
    const attempt = await runAttempt(claudeSandbox(api, []), factsFor(makeGitRepo()), { env: { CLAUDE_CODE_MAX_RETRIES: '1' } });
    expect(attempt.outcome.kind).toBe('auth_failure');
    expect(attempt.summary.result?.api_error_status).toBe(401);
    expect(toVerdict(attempt.outcome)).toMatchObject({ kind: 'failed', errorClass: 'auth_error', retry: false });
  });

  it('a 403 permission_error is an authentication failure, not retried', async () => {
    api = await startMessagesApi(always(forbidden()));
    const attempt = await runAttempt(claudeSandbox(api, []), factsFor(makeGitRepo()), { env: { CLAUDE_CODE_MAX_RETRIES: '1' } });
    expect(attempt.outcome.kind, readFileSync(attempt.outputFile, 'utf8').slice(-3000)).toBe('auth_failure');
    expect(toVerdict(attempt.outcome)).toMatchObject({ kind: 'failed', errorClass: 'auth_error', retry: false });
  });

  it('no credentials at all (a fresh HOME, no key, no token) is an authentication failure, not a transient error', async () => {
    api = await startMessagesApi(always(text('never asked')));
    const attempt = await runAttempt(claudeSandbox(api, []), factsFor(makeGitRepo()), {
      auth: 'none',
      env: { CLAUDE_CODE_MAX_RETRIES: '1' },
    });
    expect(attempt.outcome.kind, readFileSync(attempt.outputFile, 'utf8').slice(-3000)).toBe('auth_failure');
    expect(attempt.outcome.kind === 'auth_failure' && attempt.outcome.message).toMatch(/not logged in/i);
    expect(toVerdict(attempt.outcome)).toMatchObject({ kind: 'failed', errorClass: 'auth_error', retry: false });
  });

  it('529 overloaded exhausts CLAUDE_CODE_MAX_RETRIES, is transient, and a retry of the session then succeeds', async () => {
    api = await startMessagesApi(always(overloaded()));
    const sandbox = claudeSandbox(api, []);
    const repo = makeGitRepo();
    const attempt = await runAttempt(sandbox, factsFor(repo), { env: { CLAUDE_CODE_MAX_RETRIES: '2' } });
    expect(attempt.outcome).toMatchObject({ kind: 'transient', status: 529 });
    expect(attempt.summary.apiRetries).toBe(2);
    expect(api.messageRequests().map((request) => request.status)).toEqual([529, 529, 529]);
    expect(toVerdict(attempt.outcome)).toMatchObject({ kind: 'failed', errorClass: 'agent_error', retry: true });

    api.setScript(always(text('Recovered.')));
    const retry = await runAttempt(sandbox, factsFor(repo, 2), {
      resumeSessionId: attempt.sessionId!,
      env: { CLAUDE_CODE_MAX_RETRIES: '2' },
    });
    expect(retry.outcome.kind).toBe('success');
    expect(retry.summary.sessionId).toBe(attempt.sessionId);
  });

  it('a plan usage-limit 429 is a usage limit with its reset time; the pool pauses, and after the reset the session resumes', async () => {
    // The reset is set when the request arrives, a few seconds ahead, however slowly the CLI started.
    let resetsAtSeconds = 0;
    api = await startMessagesApi(() => {
      resetsAtSeconds = Math.ceil(Date.now() / 1000) + 4;
      return usageLimit(resetsAtSeconds);
    });
    const sandbox = claudeSandbox(api, []);
    const repo = makeGitRepo();
    const attempt = await runAttempt(sandbox, factsFor(repo), { auth: 'oauth' });
    expect(attempt.summary.lastRateLimit, readFileSync(attempt.outputFile, 'utf8').slice(-3000)).toBeDefined();
    expect(attempt.outcome).toMatchObject({ kind: 'usage_limit', limitType: 'five_hour', resetsAt: new Date(resetsAtSeconds * 1000) });
    expect(attempt.summary.lastRateLimit).toMatchObject({ status: 'rejected', resetsAt: resetsAtSeconds });
    expect(api.messageRequests()).toHaveLength(1);
    const verdict = toVerdict(attempt.outcome);
    expect(verdict).toMatchObject({
      kind: 'failed',
      errorClass: 'usage_limit',
      retry: true,
      resetsAt: new Date(resetsAtSeconds * 1000).toISOString(),
    });

    const pause = new UsagePause({
      paths: { stateDir: makeTempDir('hw-pause-') },
      now: () => new Date(),
      random: Math.random,
      jitterMaxMs: 500,
    });
    const record = await pause.pauseFor({
      resetsAt: new Date(resetsAtSeconds * 1000),
      limitType: 'five_hour',
      source: 'worker-1',
      message: attempt.outcome.kind === 'usage_limit' ? attempt.outcome.message : '',
    });
    expect(Date.parse(record.until)).toBeGreaterThanOrEqual(resetsAtSeconds * 1000);
    expect(await pause.current()).not.toBeNull();
    await waitFor(async () => (await pause.current()) === null, { timeoutMs: 30_000, intervalMs: 200, what: 'the usage pause to run out' });

    api.setScript(always(text('Done after the reset.')));
    const resumed = await runAttempt(sandbox, factsFor(repo, 2), { auth: 'oauth', resumeSessionId: attempt.sessionId! });
    expect(resumed.outcome.kind).toBe('success');
    expect(resumed.summary.sessionId).toBe(attempt.sessionId);
  });
});
