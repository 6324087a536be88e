import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { ClaudeWorkerBench } from '../helpers/claude-worker.js';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { git } from '../helpers/git-repo.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { countToolResults, text, toolUse, type Script } from '../helpers/messages-api/script.js';
import type { MessagesRequestBody } from '../helpers/messages-api/script.js';
import { runnerCommandLines } from '../helpers/queue-probes.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

const FOLLOW_UP = 'This is a fix-ci follow-up';
const said = (body: MessagesRequestBody | undefined, words: string) => JSON.stringify(body?.messages ?? []).includes(words);

/**
 * The task commits its work; the follow-up, once its own prompt has arrived, commits a fix. Each
 * part of the conversation is answered by the tool results since its own prompt.
 */
const script: Script = ({ body }) => {
  const messages = body.messages ?? [];
  const start = messages.findIndex((message) => JSON.stringify(message.content).includes(FOLLOW_UP));
  const results = countToolResults({ messages: start < 0 ? messages : messages.slice(start) });
  if (results > 0) return text('Done.');
  const message = start < 0 ? 'work for #71' : 'fix for #71';
  return toolUse('Bash', { command: `git commit -q --allow-empty -m "${message}"`, description: 'Commit' });
};

const finished = (bench: ClaudeWorkerBench, id: string) =>
  waitFor(
    async () => {
      const task = await bench.backend.get(id);
      return task && ['done', 'failed', 'review'].includes(task.status) ? task : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, what: `task ${id} to finish` },
  );

describeWith(['claude', 'git'], "a follow-up on a task's pull request with the real claude (scripted API)", () => {
  it("(c) one fix-ci round resumes the task's session: the follow-up's claude runs --resume <the task's session> and its first request carries the task's conversation", async () => {
    const bench = await makeClaudeWorkerBench(script);
    const task = await bench.backend.add({ subissue: '71', parent: '70', priority: 5 });
    const worker = bench.startWorker(2);
    expect((await finished(bench, task.id)).status, worker.output.join('\n')).toBe('done');
    const [first] = bench.history();
    const sessionId = first!.session_id!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const requestsBefore = bench.api.messageRequests().length;
    // The task's worktree went with it: the follow-up's is made again at the same path, where the CLI keeps the session.
    expect(existsSync(bench.worktreeOf('71', '70'))).toBe(false);

    const followUp = await bench.backend.add({ subissue: '71', parent: '70', priority: 1, kind: 'fix-ci' });
    expect((await finished(bench, followUp.id)).status, worker.output.join('\n')).toBe('done');

    const lines = runnerCommandLines(join(bench.paths.queueDir, 'runs'));
    expect(
      lines.filter((line) => line.includes(`--resume ${sessionId}`)),
      lines.join('\n'),
    ).toHaveLength(1);
    const [firstOfFollowUp] = bench.api.messageRequests().slice(requestsBefore);
    expect(said(firstOfFollowUp?.body, FOLLOW_UP)).toBe(true);
    // What the task's run said and did is in the follow-up's first request: Claude knows it.
    expect(said(firstOfFollowUp?.body, 'Work on GitHub sub-issue #71 of parent issue #70')).toBe(true);
    expect(said(firstOfFollowUp?.body, 'work for #71')).toBe(true);
    expect(lines.find((line) => line.includes(`--resume ${sessionId}`))).toContain(bench.worktreeOf('71', '70'));
    const records = bench.history();
    expect(records).toHaveLength(2);
    expect(records[1], worker.output.join('\n')).toMatchObject({
      task_id: '71',
      result: 'success',
      attempts: 1,
      resumed: true,
      session_id: sessionId,
    });
    expect(git(bench.repo, 'log', '--format=%s', 'main..subissue/70-71').split('\n')).toEqual(['fix for #71', 'work for #71']);
  }, 300_000);

  it('a follow-up whose session the CLI no longer has starts a new session with the full prompt in the same attempt, not a failed one', async () => {
    const bench = await makeClaudeWorkerBench(script);
    const task = await bench.backend.add({ subissue: '71', parent: '70', priority: 5 });
    const worker = bench.startWorker(2);
    expect((await finished(bench, task.id)).status, worker.output.join('\n')).toBe('done');
    const sessionId = bench.history()[0]!.session_id!;
    // The CLI's transcripts are gone (cleaned up after cleanupPeriodDays, or a new machine).
    rmSync(join(bench.home, 'claude-config', 'worker-2', 'projects'), { recursive: true, force: true });

    const followUp = await bench.backend.add({ subissue: '71', parent: '70', priority: 1, kind: 'fix-ci' });
    expect((await finished(bench, followUp.id)).status, worker.output.join('\n')).toBe('done');
    const lines = runnerCommandLines(join(bench.paths.queueDir, 'runs'));
    expect(lines.filter((line) => line.includes(`--resume ${sessionId}`))).toHaveLength(1);
    const records = bench.history();
    expect(records[1], worker.output.join('\n')).toMatchObject({ task_id: '71', result: 'success', attempts: 1 });
    expect(records[1]!.session_id).not.toBe(sessionId);
    expect(lines.some((line) => line.includes(`--session-id ${records[1]!.session_id}`) && line.includes(FOLLOW_UP))).toBe(true);
    expect(worker.output.join('\n')).toContain(`the agent has no session ${sessionId} any more; attempt 1 starts a new one`);
    expect(git(bench.repo, 'log', '--format=%s', 'main..subissue/70-71').split('\n')).toEqual(['fix for #71', 'work for #71']);
  }, 300_000);
});
