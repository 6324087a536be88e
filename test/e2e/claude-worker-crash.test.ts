import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { parseClaudeOutputFile } from '../../src/adapters/claude/output-file.js';
import { makeClaudeWorkerBench, type ClaudeWorkerBench } from '../helpers/claude-worker.js';
import { git } from '../helpers/git-repo.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { heldOnceThenCommit } from '../helpers/messages-api/script.js';
import { runnerCommandLines } from '../helpers/queue-probes.js';
import { describeWith, itEachBackend } from '../helpers/requires.js';
import { spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';
import { isGone } from '../helpers/worker-harness.js';

beforeAll(async () => {
  await requireClaude();
});

const transcripts = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.jsonl'))
        .map((name) => join(dir, name))
    : [];

const runsDir = (bench: ClaudeWorkerBench) => join(bench.paths.queueDir, 'runs');

describeWith(['claude', 'git'], 'the hybrid-worker-enhanced binary running claude, killed mid-run', () => {
  itEachBackend(
    [],
    '(e) on the %s backend: after SIGKILL of the worker and its run, the restarted worker resumes the same session and the task completes once',
    async (backend) => {
      const script = heldOnceThenCommit('work for #61');
      const bench = await makeClaudeWorkerBench(script, { backend });
      const task = await bench.backend.add({ subissue: '61', parent: '60', priority: 1 });
      const first = spawnWorker(bench, 3);
      await waitFor(() => bench.api.messageRequests().some((request) => request.status === 0), {
        timeoutMs: 60_000,
        what: 'the CLI to send its request',
      });
      // Killed once the CLI has recorded the conversation (it writes its transcript shortly after the request goes out).
      const projects = join(bench.home, 'claude-config', 'worker-3', 'projects');
      await waitFor(() => transcripts(projects).some((file) => readFileSync(file, 'utf8').includes('"type":"user"')), {
        timeoutMs: 30_000,
        what: 'the session transcript',
      });

      // The crash takes the run with it (as a host or container crash would): both are killed hard.
      const pidFile = readdirSync(runsDir(bench)).find((name) => name.endsWith('.pid.json'))!;
      const { pgid } = JSON.parse(readFileSync(join(runsDir(bench), pidFile), 'utf8')) as { pgid: number };
      first.kill('SIGKILL');
      await first;
      process.kill(-pgid, 'SIGKILL');
      await waitFor(() => isGone(pgid), { timeoutMs: 10_000, what: 'the run to be gone' });

      const second = spawnWorker(bench, 3);
      await waitFor(async () => (await bench.backend.get(task.id))?.status === 'done', {
        timeoutMs: 120_000,
        intervalMs: 200,
        what: 'the task to be done',
      });
      second.kill('SIGTERM');
      const result = await second;
      expect(result.all).toMatch(/re-attaching to task 61/);
      expect(result.all).toMatch(/agent: claude \d+\.\d+\.\d+/);

      const records = bench.history();
      expect(records).toHaveLength(1);
      expect(records[0], `${JSON.stringify(records[0])}\n${result.all}`).toMatchObject({
        task_id: '61',
        result: 'success',
        attempts: 2,
        resumed: true,
      });
      expect(git(bench.repo, 'log', '--format=%s', 'main..subissue/60-61').split('\n')).toEqual(['work for #61']);
      expect(runnerCommandLines(runsDir(bench)).some((line) => line.includes(`--resume ${records[0]!.session_id}`))).toBe(true);
      // The attempts' output files (beside them lie their prompt files).
      const outputs = readdirSync(join(bench.paths.root, 'runs', 'worker-3'))
        .filter((name) => name.endsWith('.log'))
        .map((name) => join(bench.paths.root, 'runs', 'worker-3', name));
      const sessions = new Set(await Promise.all(outputs.map(async (file) => (await parseClaudeOutputFile(file)).sessionId)));
      expect(sessions).toEqual(new Set([records[0]!.session_id]));
    },
    300_000,
  );
});
