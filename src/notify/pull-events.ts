import type { PullWatchFile } from '../github/pull-request-watcher.js';
import type { NotifyEvent, NotifyKind } from './events.js';
import type { PullSeen } from './observation.js';

/*
 * What a person is told about the pool's pull requests (docs/SPEC.md section 13): a pull request
 * ready to merge (one event per parent, listing them), a parent whose pull requests are all ready
 * or merged, and a pull request that needs a person (follow-ups exhausted, workflows awaiting
 * approval, a merge refused, closed unmerged by someone). Found by comparing two looks at the
 * watcher's file, so each is told once, and a restarted manager tells nothing again.
 */

/** The notifier's look at the watcher's file: per task, its pull request as last seen. */
export function pullsSeen(file: PullWatchFile): Record<string, PullSeen> {
  return Object.fromEntries(
    Object.values(file.pulls).map((pull) => [
      pull.task_id,
      {
        parent: pull.parent,
        pr_number: pull.pr_number,
        pr_url: pull.pr_url,
        state: pull.state,
        attention: pull.attention?.message ?? null,
        ...(pull.elsewhere ? { elsewhere: true } : {}),
      },
    ]),
  );
}

const event = (kind: NotifyKind, at: string, what: string, cause: string, command: string, facts: Partial<NotifyEvent>): NotifyEvent => ({
  kind,
  at,
  ...facts,
  cause,
  command,
  summary: `${what} Cause: ${cause}. Next: ${command}`,
});

const isDone = (state: string) => state === 'ready' || state === 'merged';

/**
 * The events between two looks. `autoMerge`: the pool merges ready pull requests itself, so the
 * person is told it will. parent_ready events are candidates: the notifier keeps those whose every
 * sub-issue is done.
 */
export function detectPullEvents(
  before: Readonly<Record<string, PullSeen>> | undefined,
  now: Readonly<Record<string, PullSeen>> | undefined,
  at: string,
  autoMerge: boolean,
): NotifyEvent[] {
  // The first look (or a state written before these) is the baseline: nothing is news.
  if (before === undefined || now === undefined) return [];
  const events: NotifyEvent[] = [];
  // A pull request new since the last look counts as changed: it may be ready at its first look.
  const became = (task: string, seen: PullSeen) => before[task]?.state !== seen.state;
  const entries = Object.entries(now).sort(([a], [b]) => Number(a) - Number(b));
  const parents = [...new Set(entries.map(([, seen]) => seen.parent))].sort();
  for (const parent of parents) {
    const ofParent = entries.filter(([, seen]) => seen.parent === parent);
    const ready = ofParent
      .filter(([task, seen]) => seen.state === 'ready' && became(task, seen) && seen.elsewhere !== true)
      .map(([, seen]) => seen);
    if (ready.length > 0) {
      const links = ready.map((seen) => seen.pr_url);
      events.push(
        event(
          'pr_ready',
          at,
          `Parent issue ${parent}: ${ready.length === 1 ? 'pull request' : 'pull requests'} ready to merge: ${links.join(', ')}.`,
          'approved by a person with write access, checks green, mergeable',
          autoMerge
            ? 'none needed, AUTO_MERGE merges it'
            : `merge on GitHub, or gh pr merge ${ready.map((seen) => seen.pr_number).join(' / ')}`,
          { parent, pull_requests: links },
        ),
      );
    }
    const allDone = ofParent.every(([, seen]) => isDone(seen.state));
    const wasAllDone = ofParent.every(([task]) => before[task] !== undefined && isDone(before[task].state));
    // On a shared queue the host acting on the parent's first pull request tells it, the others not.
    const first = [...ofParent].sort(([, a], [, b]) => a.pr_number - b.pr_number)[0]?.[1];
    if (allDone && !wasAllDone && first?.elsewhere !== true) {
      const links = ofParent.map(([, seen]) => `${seen.pr_url} (${seen.state})`);
      events.push(
        event(
          'parent_ready',
          at,
          `Parent issue ${parent}: every pull request is ready or merged: ${links.join(', ')}.`,
          'each was approved and is green, or merged',
          autoMerge ? 'none needed, AUTO_MERGE merges the ready ones' : `merge them on GitHub (worker-queue status ${parent})`,
          { parent, pull_requests: ofParent.map(([, seen]) => seen.pr_url) },
        ),
      );
    }
  }
  for (const [task, seen] of entries) {
    const was = before[task];
    if (seen.elsewhere === true) continue;
    if (seen.attention !== null && seen.attention !== (was?.attention ?? null)) {
      events.push(
        event('pr_needs_person', at, seen.attention, 'the pool will not act on it by itself', `open ${seen.pr_url}`, {
          task,
          parent: seen.parent,
          pull_requests: [seen.pr_url],
        }),
      );
    }
    // Only one seen open before: an old closed one from the history is no news.
    if (seen.state === 'closed' && was !== undefined && was.state !== 'closed') {
      events.push(
        event(
          'pr_needs_person',
          at,
          `Pull request #${seen.pr_number} of task ${task} was closed without being merged.`,
          'someone closed it; the pool does not retry it',
          `reopen it on GitHub (${seen.pr_url}), or worker-queue retry the task to start over`,
          { task, parent: seen.parent, pull_requests: [seen.pr_url] },
        ),
      );
    }
  }
  return events;
}
