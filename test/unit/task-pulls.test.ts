import { describe, expect, it } from 'vitest';
import type { PullWatchFile, WatchedPull } from '../../src/github/pull-request-watcher.js';
import { reviewWait } from '../../src/github/review-capacity.js';
import { pullRepoOf, taskPulls, tasksWithOpenPulls } from '../../src/github/task-pulls.js';
import type { QueueTask } from '../../src/queue/backend.js';
import { queueTask } from '../helpers/queue-task.js';
import { watchedPull } from '../helpers/watched-pull.js';

const watched = (task: string, pr: number, extra: Partial<WatchedPull> = {}): WatchedPull =>
  watchedPull(task, pr, { pr_url: `https://github.com/octo/widgets/pull/${pr}`, checks: 'failing', ...extra });

const task = (id: string, subissue: string, repo?: string): QueueTask =>
  queueTask({
    ...{ id, subissue, priority: 5, status: 'done', attempts: 1 },
    ...{ createdAt: '2030-01-01T00:00:00Z', finishedAt: '2030-01-01T00:01:00Z' },
    ...(repo === undefined ? {} : { repo }),
  });

describe("tasks' pull requests", () => {
  it('a released pull request holds no new work (MAX_OPEN_PRS) and lets clean remove its task', () => {
    const file: PullWatchFile = {
      version: 1,
      pulls: { '2': watched('2', 5), '3': watched('3', 6, { released_at: '2030-01-02T00:00:00Z' }) },
    };
    expect(reviewWait(file, 2)).toBeNull();
    expect(reviewWait(file, 1)).toBe('waiting for reviews: 1 open PR (MAX_OPEN_PRS 1)');
    expect(tasksWithOpenPulls([task('1', '2', 'octo/widgets'), task('2', '3', 'octo/widgets')], file).map((kept) => kept.id)).toEqual([
      '1',
    ]);
  });

  it("match a task only in the pull request's repository: sub-issue 2 of another repository has none", () => {
    const file: PullWatchFile = { version: 1, pulls: { '2': watched('2', 5, { released_at: '2030-01-02T00:00:00Z' }) } };
    const links = new Map([['2', { pr_number: 5, pr_url: 'https://github.com/octo/widgets/pull/5' }]]);
    const pulls = taskPulls([task('1', '2', 'octo/widgets'), task('2', '2', 'octo/gadgets'), task('3', '2')], links, file);
    expect(pulls.get('1')).toEqual({ number: 5, url: 'https://github.com/octo/widgets/pull/5', state: 'released', checks: 'failing' });
    expect(pulls.has('2')).toBe(false);
    expect(pulls.get('3')?.number).toBe(5);
    expect(pullRepoOf('https://github.localhost/Octo/Widgets/pull/12')).toBe('octo/widgets');
  });
});
