import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TaskHistoryRecord } from '../../../src/history/task-history.js';
import type { GithubApi } from './server.js';

type PullTask = { readonly task: string; readonly parent?: string; readonly pr: number };

/** History records of tasks (of parent 1 unless given) that ended in these pull requests of the scripted GitHub. */
export const pullHistoryRecords = (api: Pick<GithubApi, 'owner' | 'repo'>, tasks: readonly PullTask[]): TaskHistoryRecord[] =>
  tasks.map(
    ({ task, parent, pr }) =>
      ({
        version: 1,
        task_id: task,
        parent: parent ?? '1',
        worker_id: 1,
        attempts: 1,
        started_at: '2030-01-01T00:00:00Z',
        ended_at: '2030-01-01T00:01:00Z',
        result: 'success',
        error_class: null,
        pr_number: pr,
        pr_url: `https://github.localhost/${api.owner}/${api.repo}/pull/${pr}`,
      }) as TaskHistoryRecord,
  );

/** Writes a task history (at `historyFile`) whose tasks ended in these pull requests of the scripted GitHub. */
export function writePullHistory(historyFile: string, api: Pick<GithubApi, 'owner' | 'repo'>, tasks: readonly PullTask[]): void {
  const lines = pullHistoryRecords(api, tasks).map((record) => JSON.stringify(record));
  mkdirSync(dirname(historyFile), { recursive: true });
  writeFileSync(historyFile, `${lines.join('\n')}\n`);
}
