import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { parseClaudeOutputFile } from '../../src/adapters/claude/output-file.js';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { git } from '../helpers/git-repo.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { heldOnceThenCommit } from '../helpers/messages-api/script.js';
import { runnerCommandLines } from '../helpers/queue-probes.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

describeWith(['claude', 'git'], 'the stall ladder with the real claude CLI (scripted API)', () => {
  it('a response delayed past twice PROGRESS_STALL_THRESHOLD: the attempt is stopped as stalled and the retry resumes the same session with --resume', async () => {
    // The first answer never comes (a response delayed past the threshold); the resumed run is answered.
    const script = heldOnceThenCommit('work for #71');
    const bench = await makeClaudeWorkerBench(script, { settings: { PROGRESS_STALL_THRESHOLD: '5', STALL_MAX_RETRIES: '2' } });
    const task = await bench.backend.add({ subissue: '71', parent: '70', priority: 1 });
    const worker = bench.startWorker(2);
    await waitFor(async () => (await bench.backend.get(task.id))?.status === 'done', {
      timeoutMs: 180_000,
      intervalMs: 200,
      what: 'the task to be done',
    });

    expect(
      bench
        .events()
        .some((line) =>
          /\[ALERT\] Worker 2: the agent on task 71 has shown no progress for [\d.]+s \(PROGRESS_STALL_THRESHOLD 5s\)/.test(line),
        ),
    ).toBe(true);
    expect(worker.output.join('\n')).toMatch(
      /task 71 attempt 1: stalled: no progress for [\d.]+s \(2 x PROGRESS_STALL_THRESHOLD 5s\): the attempt was stopped/,
    );
    const records = bench.history();
    expect(records, worker.output.join('\n')).toMatchObject([{ task_id: '71', result: 'success', attempts: 2, resumed: true }]);
    const sessionId = records[0]!.session_id!;
    expect(runnerCommandLines(join(bench.paths.queueDir, 'runs')).some((line) => line.includes(`--resume ${sessionId}`))).toBe(true);
    const outputsDir = join(bench.paths.root, 'runs', 'worker-2');
    // The attempts' output files (beside them lie their prompt files).
    const outputs = readdirSync(outputsDir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => join(outputsDir, name));
    expect(outputs).toHaveLength(2);
    const sessions = new Set(await Promise.all(outputs.map(async (file) => (await parseClaudeOutputFile(file)).sessionId)));
    expect(sessions).toEqual(new Set([sessionId]));
    expect(git(bench.repo, 'log', '--format=%s', 'main..subissue/70-71').split('\n')).toEqual(['work for #71']);
  }, 300_000);
});
