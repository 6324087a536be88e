import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { KNOWN_GOOD_CLAUDE_VERSION } from '../../src/adapters/claude/version.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { claudeSandbox, factsFor, requireClaude, runAttempt } from '../helpers/messages-api/claude-run.js';
import { byToolResults, text, toolUse } from '../helpers/messages-api/script.js';
import { startMessagesApi, type MessagesApi } from '../helpers/messages-api/server.js';
import { describeWith } from '../helpers/requires.js';

let api: MessagesApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

beforeAll(async () => {
  const check = await requireClaude();
  expect(check.version.text, 'tests pin the known-good claude; run scripts/install-claude.sh').toBe(KNOWN_GOOD_CLAUDE_VERSION);
});

describeWith(['claude', 'git'], 'the real claude CLI against the scripted Messages API', () => {
  it('writes a file and commits it in the repository, ending in a success with its cost', async () => {
    const repo = makeGitRepo();
    api = await startMessagesApi(
      byToolResults([
        toolUse('Write', { file_path: join(repo, 'NOTE.md'), content: 'written by the scripted agent\n' }),
        toolUse('Bash', { command: 'git add NOTE.md && git commit -q -m "add note for #42"', description: 'Commit the note' }),
        text('Committed NOTE.md.'),
      ]),
    );
    const sandbox = claudeSandbox(api, ['Write', 'Bash(git *)']);
    const attempt = await runAttempt(sandbox, factsFor(repo));

    expect(attempt.outcome.kind, readFileSync(attempt.outputFile, 'utf8').slice(-2000)).toBe('success');
    expect(attempt.exitCode).toBe(0);
    expect(readFileSync(join(repo, 'NOTE.md'), 'utf8')).toBe('written by the scripted agent\n');
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('add note for #42');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const usage = attempt.outcome.usage!;
    expect(usage.costUsd).toBeGreaterThan(0);
    expect(usage.numTurns).toBe(3);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.sessionId).toBe(attempt.sessionId);
    expect(attempt.summary.toolCalls).toBe(2);
    expect(attempt.summary.result?.permission_denials).toEqual([]);
    expect(attempt.signals.filter((signal) => signal.kind === 'progress').length).toBeGreaterThanOrEqual(4);
    expect(api.messageRequests().map((request) => request.status)).toEqual([200, 200, 200]);
    // The per-worker CLAUDE_CONFIG_DIR holds the transcript; the user's ~/.claude is untouched.
    expect(existsSync(join(sandbox.home, 'claude-config', 'worker-1'))).toBe(true);

    const resumed = await runAttempt(sandbox, factsFor(repo, 2), { resumeSessionId: attempt.sessionId! });
    expect(resumed.outcome.kind).toBe('success');
    expect(resumed.summary.sessionId).toBe(attempt.sessionId);
  });
});
