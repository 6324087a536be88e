import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyRun } from '../../src/adapters/claude/classify.js';
import { parseClaudeOutputFile } from '../../src/adapters/claude/output-file.js';
import { describe, expect, it } from 'vitest';
import { toVerdict } from '../../src/worker/claude-agent.js';
import { resolveSettings } from '../../src/core/settings.js';
import { PERSON_HOLD, UsagePause, describePause } from '../../src/pause/usage-pause.js';
import { TaskSessions } from '../../src/worker/task-sessions.js';
import { makeTempDir } from '../helpers/temp.js';

const stateDir = () => ({ stateDir: join(makeTempDir('hw-claude-pool-'), 'state') });

describe('the hold after an authentication failure', () => {
  it('stops dispatch with no end, survives a usage pause, and only a lift ends it', async () => {
    const paths = stateDir();
    let now = new Date('2026-11-28T00:00:00Z');
    const pause = new UsagePause({ paths, now: () => now, random: () => 0, jitterMaxMs: 0 });
    const hold = await pause.holdForPerson({ source: 'worker-2', message: 'invalid x-api-key' });
    expect(hold).toMatchObject({ limitType: PERSON_HOLD, resetsAt: null, source: 'worker-2' });
    expect(describePause(hold)).toBe('paused until a person acts (authentication failure: log in, then worker-manager resume)');
    // A usage limit seen meanwhile does not shorten it.
    await pause.pauseFor({ resetsAt: new Date('2026-11-28T01:00:00Z'), source: 'worker-1', message: 'limit' });
    now = new Date('2030-01-01T00:00:00Z');
    expect((await pause.current())?.limitType).toBe(PERSON_HOLD);
    expect((await pause.lift())?.source).toBe('worker-2');
    expect(await pause.current()).toBeNull();
  });
});

describe('TaskSessions', () => {
  it('keeps the latest session of each task for whichever worker takes it up, per sub-issue, until the task is finished', async () => {
    const paths = stateDir();
    const now = () => new Date('2026-11-28T00:00:00Z');
    const sessions = new TaskSessions(paths, 5000, now);
    await sessions.remember('7', '42', { sessionId: 'aaaaaaaa-0000-4000-8000-000000000001', workerId: 1 });
    await sessions.remember('7', '42', { sessionId: 'aaaaaaaa-0000-4000-8000-000000000002', workerId: 2 });
    const other = new TaskSessions(paths, 5000, now);
    expect(await other.recall('7', '42')).toEqual({ sessionId: 'aaaaaaaa-0000-4000-8000-000000000002', workerId: 2 });
    expect(await other.recall('7', '43')).toBeUndefined();
    expect(await other.recall('8', '42')).toBeUndefined();
    await other.retire('7', { worktree: '/w/42', branch: 'subissue/1-42' });
    expect(await sessions.recall('7', '42')).toBeUndefined();
  });

  it("keep a finished task's session for the sub-issue's follow-ups in the same worktree and branch, until the agent says it is gone", async () => {
    const paths = stateDir();
    const sessions = new TaskSessions(paths, 5000, () => new Date('2026-11-28T00:00:00Z'));
    const place = { worktree: '/w/42', branch: 'subissue/1-42' };
    await sessions.remember('7', '42', { sessionId: 'aaaaaaaa-0000-4000-8000-000000000003', workerId: 3 });
    await sessions.retire('7', place);
    expect(await sessions.recallFinished('42', place)).toEqual({ sessionId: 'aaaaaaaa-0000-4000-8000-000000000003', workerId: 3 });
    expect(await sessions.recallFinished('42', { ...place, worktree: '/elsewhere/42' })).toBeUndefined();
    expect(await sessions.recallFinished('42', { ...place, branch: 'subissue/1-42-2' })).toBeUndefined();
    // Another session's failure leaves it; its own removes it.
    await sessions.forgetFinished('42', 'aaaaaaaa-0000-4000-8000-000000000009');
    expect(await sessions.recallFinished('42', place)).toBeDefined();
    await sessions.forgetFinished('42', 'aaaaaaaa-0000-4000-8000-000000000003');
    expect(await sessions.recallFinished('42', place)).toBeUndefined();
    // Past 30 days a kept session goes with the next write.
    await sessions.remember('8', '43', { sessionId: 'aaaaaaaa-0000-4000-8000-000000000004', workerId: 1 });
    await sessions.retire('8', { worktree: '/w/43', branch: 'subissue/1-43' });
    const later = new TaskSessions(paths, 5000, () => new Date('2027-01-28T00:00:00Z'));
    await later.remember('9', '44', { sessionId: 'aaaaaaaa-0000-4000-8000-000000000005', workerId: 1 });
    await later.retire('9', { worktree: '/w/44', branch: 'subissue/1-44' });
    expect(await later.recallFinished('43', { worktree: '/w/43', branch: 'subissue/1-43' })).toBeUndefined();
  });
});

describe('Claude verdicts for the worker', () => {
  it('carry the limit type of a usage limit and a failed resume', () => {
    expect(toVerdict({ kind: 'usage_limit', message: 'limit', limitType: 'seven_day' })).toMatchObject({
      errorClass: 'usage_limit',
      limitType: 'seven_day',
    });
    expect(toVerdict({ kind: 'agent_error', message: 'No conversation found', retry: true, resumeFailed: true })).toMatchObject({
      retry: true,
      resumeFailed: true,
    });
    expect(toVerdict({ kind: 'agent_error', message: 'boom', retry: true })).not.toHaveProperty('resumeFailed');
  });
});

describe('a resume of a session the CLI does not know', () => {
  it('is an agent error marked resumeFailed (claude 2.1.332 prints it on stderr and in an error result), so the next attempt starts afresh', async () => {
    const file = join(makeTempDir('hw-no-session-'), 'run.log');
    writeFileSync(
      file,
      'No conversation found with session ID: 11111111-2222-4333-8444-555555555555\n' +
        '{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":0,"session_id":"11111111-2222-4333-8444-555555555555","total_cost_usd":0,"errors":["No conversation found with session ID: 11111111-2222-4333-8444-555555555555"]}\n',
    );
    const outcome = classifyRun({ summary: await parseClaudeOutputFile(file), exitCode: 1, now: new Date() });
    expect(outcome).toMatchObject({ kind: 'agent_error', retry: true, resumeFailed: true });
  });
});

describe('CLAUDE_RESUME', () => {
  it('defaults to true and accepts true or false only', () => {
    expect(resolveSettings({}, {}).CLAUDE_RESUME).toBe(true);
    expect(resolveSettings({}, { CLAUDE_RESUME: 'false' }).CLAUDE_RESUME).toBe(false);
    expect(resolveSettings({ CLAUDE_RESUME: false }, {}).CLAUDE_RESUME).toBe(false);
    expect(() => resolveSettings({}, { CLAUDE_RESUME: 'maybe' })).toThrow(/CLAUDE_RESUME/);
  });
});
