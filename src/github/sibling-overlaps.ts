import { getChangedFilesSince } from '../adapters/git.js';
import { isFinal } from './pull-request-watch.js';
import type { PullWatchFile } from './pull-request-watcher.js';

/*
 * `worker-queue status` flags open sibling pull requests of the pool (same parent, or the same
 * repository: the watcher follows one) that change the same files, before GitHub says they
 * conflict: whichever merges first may make the other conflict (docs/SPEC.md section 14.6).
 * Cheap: each pull request's files come from the local git (the merge-base diff of what was last
 * fetched), no GitHub request.
 */

export interface ChangedPull {
  readonly task_id: string;
  readonly parent: string;
  readonly pr_number: number;
  readonly files: readonly string[];
}

export interface Overlap {
  readonly prs: readonly [number, number];
  readonly subissues: readonly [string, string];
  readonly same_parent: boolean;
  readonly paths: readonly string[];
}

/** Every pair of pull requests sharing a changed path, lowest numbers first. */
export function findOverlaps(pulls: readonly ChangedPull[]): Overlap[] {
  const sorted = [...pulls].sort((a, b) => a.pr_number - b.pr_number);
  const overlaps: Overlap[] = [];
  for (const [index, first] of sorted.entries()) {
    const files = new Set(first.files);
    for (const second of sorted.slice(index + 1)) {
      const paths = [...new Set(second.files)].filter((path) => files.has(path)).sort();
      if (paths.length === 0) continue;
      overlaps.push({
        prs: [first.pr_number, second.pr_number],
        subissues: [first.task_id, second.task_id],
        same_parent: first.parent === second.parent,
        paths,
      });
    }
  }
  return overlaps;
}

/** The status line of one overlap. */
export function overlapLine(overlap: Overlap, maxPaths = 5): string {
  const shown = overlap.paths.slice(0, maxPaths).join(', ');
  const more = overlap.paths.length > maxPaths ? ` and ${overlap.paths.length - maxPaths} more` : '';
  const [a, b] = overlap.prs;
  const [sa, sb] = overlap.subissues;
  return `Overlap: pull requests #${a} (sub-issue #${sa}) and #${b} (sub-issue #${sb}) both change ${shown}${more}: whichever merges first may make the other conflict.`;
}

/** The open pull requests the watcher follows, each with its files from the local git; one the repository lacks is skipped. */
export async function readChangedPulls(repoDir: string, watched: PullWatchFile): Promise<ChangedPull[]> {
  const open = Object.values(watched.pulls).filter(
    (pull) => !isFinal(pull.state) && pull.head_sha !== null && pull.cache.pull !== undefined,
  );
  const read = await Promise.all(
    open.map(async (pull) => {
      const base = pull.cache.pull!.data.base.ref;
      const files = await getChangedFilesSince(repoDir, `refs/remotes/origin/${base}`, pull.head_sha!)
        .catch(() => getChangedFilesSince(repoDir, base, pull.head_sha!))
        .catch(() => undefined);
      return files === undefined ? undefined : { task_id: pull.task_id, parent: pull.parent, pr_number: pull.pr_number, files };
    }),
  );
  return read.filter((pull) => pull !== undefined);
}
