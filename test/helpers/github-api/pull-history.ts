import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GithubApi } from './server.js';

/** Writes a task history (at `historyFile`) whose tasks ended in these pull requests of the scripted GitHub. */
export function writePullHistory(
  historyFile: string,
  api: Pick<GithubApi, 'owner' | 'repo'>,
  tasks: readonly { readonly task: string; readonly parent?: string; readonly pr: number }[],
): void {
  const lines = tasks.map(({ task, parent, pr }) =>
    JSON.stringify({
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
    }),
  );
  mkdirSync(dirname(historyFile), { recursive: true });
  writeFileSync(historyFile, `${lines.join('\n')}\n`);
}
