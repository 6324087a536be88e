import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTaskHistory } from '../../src/history/task-history-store.js';
import { readPullRequestLinks } from '../../src/github/parent-status.js';
import { makeTempDir } from '../helpers/temp.js';

const record = (task: string, endedAt: string, pr?: number) =>
  JSON.stringify({
    version: 1,
    task_id: task,
    parent: '7',
    worker_id: 1,
    attempts: 1,
    started_at: endedAt,
    ended_at: endedAt,
    result: 'success',
    error_class: null,
    ...(pr === undefined ? {} : { pr_number: pr, pr_url: `https://github.com/o/r/pull/${pr}` }),
  });

describe('worker-queue status: pull request links', () => {
  it('come from every month of the history, not only the live file', async () => {
    const dir = join(makeTempDir(), 'history');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tasks-2026-11.jsonl'), `${record('71', '2026-11-30T10:00:00Z', 5)}\n`);
    writeFileSync(
      join(dir, 'tasks.jsonl'),
      `${record('72', '2026-12-01T10:00:00Z', 6)}\n{"torn\n${record('73', '2026-12-01T11:00:00Z')}\n`,
    );
    const links = await readPullRequestLinks(new FileTaskHistory(join(dir, 'tasks.jsonl')));
    expect([...links]).toEqual([
      ['71', { pr_number: 5, pr_url: 'https://github.com/o/r/pull/5' }],
      ['72', { pr_number: 6, pr_url: 'https://github.com/o/r/pull/6' }],
    ]);
  });
});
