/**
 * MAX_OPEN_PRS (docs/SPEC.md section 14.4): the pool's open pull requests that no person with
 * write access has approved, as the manager's watcher last saw them. When they reach the limit no
 * new task starts: N agents finishing is N pull requests to review. Pure.
 */
import { isFinal } from './pull-request-watch.js';
import type { PullWatchFile } from './pull-request-watcher.js';

/** The open pull requests without an approving review from a person with write access. */
export function unreviewedOpenPulls(file: Pick<PullWatchFile, 'pulls'>): number {
  // A released pull request is no longer the pool's (its state is frozen at the last look): it holds nothing.
  return Object.values(file.pulls).filter((pull) => !isFinal(pull.state) && pull.released_at === undefined && pull.approved_by.length === 0)
    .length;
}

/** The words of every view: "waiting for reviews: N open PRs", or null while under the limit (0: off). */
export function reviewWait(file: Pick<PullWatchFile, 'pulls'>, maxOpen: number): string | null {
  if (maxOpen === 0) return null;
  const open = unreviewedOpenPulls(file);
  return open >= maxOpen ? `waiting for reviews: ${open} open PR${open === 1 ? '' : 's'} (MAX_OPEN_PRS ${maxOpen})` : null;
}
