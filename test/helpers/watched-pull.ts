import type { WatchedPull } from '../../src/github/pull-request-watcher.js';

type CachedPull = NonNullable<WatchedPull['cache']['pull']>;

/** A watched pull request for pure tests: open, of parent 1, no checks yet, nothing cached; `fields` over that. */
export const watchedPull = (task: string, prNumber: number, fields: Partial<WatchedPull> = {}): WatchedPull => ({
  task_id: task,
  parent: '1',
  pr_number: prNumber,
  pr_url: `https://github.localhost/o/r/pull/${prNumber}`,
  state: 'open',
  checks: 'none',
  failing: [],
  approved_by: [],
  head_sha: null,
  last_change_at: '2030-01-01T00:00:00Z',
  checked_at: '2030-01-01T00:00:00Z',
  next_poll_at: '2030-01-01T00:00:00Z',
  error: null,
  cache: {},
  ...fields,
});

/** `GET pulls/{n}` as the watcher reads it: an open, mergeable pull request from `head` onto `base`; `data` over that. */
export const pullData = (
  prNumber: number,
  head: CachedPull['data']['head'],
  base: string,
  data: Partial<CachedPull['data']> = {},
): CachedPull['data'] => ({
  number: prNumber,
  html_url: '',
  state: 'open',
  merged: false,
  draft: false,
  mergeable: true,
  mergeable_state: 'clean',
  updated_at: null,
  head,
  base: { ref: base },
  ...data,
});

/** The watcher's cached copy of that answer. */
export const cachedPull = (...args: Parameters<typeof pullData>): { pull: CachedPull } => ({
  pull: { path: `pulls/${args[0]}`, etag: 'W/"x"', data: pullData(...args) },
});
