import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishedRecord, makeGithubWorkerBench, type GithubWorkerBench } from '../helpers/github-worker-bench.js';
import { git } from '../helpers/git-repo.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * docs/SPEC.md section 15.3: WORKER_VERIFY_CMD judges the agent's commits before the pull
 * request; a failure resumes the agent with the command's output. The real gh against the
 * scripted GitHub, a bare origin, one worker process and the fake agent's `verify-fix` scenario
 * (its round with TASK_KIND=fix-verify commits fixed-<subissue>.txt).
 */

const ISSUES = [
  { number: 1, title: 'Parent' },
  { number: 2, title: 'Sub two', parent: 1 },
];

/** Passes once the agent's fix is committed; says why it fails otherwise. */
const NEEDS_FIX = 'test -f "fixed-$TASK_ID.txt" || { echo "1 test failed: fixed-$TASK_ID.txt is missing"; exit 1; }';

async function runOneTask(verifyCommand: string): Promise<{ bench: GithubWorkerBench; record: Record<string, unknown>; output: string }> {
  const bench = await makeGithubWorkerBench(ISSUES, { WORKER_VERIFY_CMD: verifyCommand });
  writeFileSync(bench.worker.scenarioFile, JSON.stringify({ default: 'verify-fix' }));
  expect((await bench.queue(['add', '5', '1', '2'])).exitCode).toBe(0);
  const worker = spawnWorker({ repo: bench.worker.repo, env: bench.env }, 1);
  const record = await finishedRecord(bench, 1, '2');
  worker.kill('SIGTERM');
  return { bench, record, output: (await worker).all };
}

describe('the agent verifies its work before the pull request', () => {
  it(
    'a verification that fails once and passes after the agent’s second round ends in one pull request with both commits, verified',
    { timeout: 180_000 },
    async () => {
      const { bench, record, output } = await runOneTask(NEEDS_FIX);
      const pulls = bench.github.api.pulls().filter((pull) => pull.head === 'subissue/1-2');
      expect(pulls).toHaveLength(1);
      expect(pulls[0]).toMatchObject({ state: 'open', draft: false });
      expect(pulls[0]!.body).toContain('Verified with `test -f');
      expect(record, output).toMatchObject({ result: 'success', pr_number: pulls[0]!.number, verified: true, verify_rounds: 2 });
      // Two agent rounds; a delivery retried after a slow GitHub call (CI under load) may add an attempt that runs no agent.
      expect(record.attempts, output).toBeGreaterThanOrEqual(2);
      expect(bench.runsOf('2'), output).toBe(2);
      expect(git(bench.github.origin, 'log', '--format=%s', 'main..subissue/1-2').split('\n')).toEqual([
        'agent: sub-issue 2 (fixed-2.txt)',
        'agent: sub-issue 2',
      ]);
      // The second round was told what failed, and that it is a fix round.
      const agentDir = bench.worker.agentDir;
      expect(readFileSync(join(agentDir, 'prompt-2.txt'), 'utf8')).toContain('1 test failed: fixed-2.txt is missing');
      expect(JSON.parse(readFileSync(join(agentDir, 'env-2.json'), 'utf8'))).toMatchObject({ TASK_KIND: 'fix-verify' });
      expect(output).toContain('failed; the agent is resumed to fix it');
    },
  );

  it(
    'a verification that never passes opens a draft pull request that says so, and the task ends unverified in the history and the timeline, held for review in the queue, never done',
    { timeout: 180_000 },
    async () => {
      const { bench, record } = await runOneTask('echo "3 tests failed: expected 4, got 5"; exit 1');
      const pulls = bench.github.api.pulls().filter((pull) => pull.head === 'subissue/1-2');
      expect(pulls).toHaveLength(1);
      expect(pulls[0]).toMatchObject({ state: 'open', draft: true });
      expect(pulls[0]!.body).toContain('verification failed after 2 round(s)');
      expect(pulls[0]!.body).toContain('3 tests failed: expected 4, got 5');
      expect(record).toMatchObject({ result: 'unverified', pr_number: pulls[0]!.number, verified: false, verify_rounds: 2 });
      expect(String(record.error)).toMatch(/^unverified: /);
      expect(bench.runsOf('2')).toBe(2);
      // The queue holds it for a person (review), never done: nothing waiting on it is released.
      await waitFor(async () => (await bench.worker.backend.list()).find((task) => task.subissue === '2' && task.status === 'review'), {
        what: 'the task held for review in the queue',
      });
      const timeline = await runBin('worker-performance', ['timeline'], { home: bench.worker.home, env: bench.env });
      expect(timeline.stdout).toMatch(/unverified: pull request #\d+/);
    },
  );
});
