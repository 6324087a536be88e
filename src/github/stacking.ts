import { z } from 'zod';
import { ghList, ghRequest, type GhContext } from '../adapters/github/gh-api.js';
import { listBlockedBy } from '../adapters/github/rest-resources.js';

/*
 * Blockers read again when a task is claimed, and stacking (docs/SPEC.md section 8.5): a task
 * whose only open blockers have open pull requests of the pool may start from the blocker's
 * branch (STACK_ON_BLOCKERS), and its pull request is retargeted to the base once the blocker
 * merges. The decisions are pure; the GitHub calls are the small functions below them.
 */

/** An open pull request as the stack decision needs it. */
export interface OpenPull {
  readonly number: number;
  readonly head: string;
  readonly base: string;
}

/** An open blocker as read at claim: its number and, when in another repository, that repository. */
export interface OpenBlocker {
  readonly number: number;
  readonly repo?: string | undefined;
}

export type ClaimDecision =
  | { readonly kind: 'start' }
  /** Start from `branch` (the head of pull request `pr`, the blocker's) and open the pull request against it. */
  | { readonly kind: 'stack'; readonly branch: string; readonly pr: number; readonly blocker: number }
  | { readonly kind: 'blocked'; readonly blockers: readonly string[] };

/** The pool's branch names of sub-issue `n`: `subissue/<parent>-<n>`, or a later `-2`, `-3` (docs/SPEC.md section 3). */
const poolBranchOf = (head: string): number | undefined => {
  const match = /^subissue\/\d+-(\d+)(?:-\d+)?$/.exec(head);
  return match ? Number(match[1]) : undefined;
};

/**
 * What a claimed task does given its open blockers: start (none), stack on a blocker's branch
 * (STACK_ON_BLOCKERS, every open blocker of this repository has an open pull request of the pool,
 * and one of those branches already contains the others: a chain), or wait (anything else).
 */
export function decideAtClaim(blockers: readonly OpenBlocker[], repo: string, pulls: readonly OpenPull[], stack: boolean): ClaimDecision {
  if (blockers.length === 0) return { kind: 'start' };
  const wait: ClaimDecision = {
    kind: 'blocked',
    blockers: blockers.map((blocker) =>
      blocker.repo === undefined || blocker.repo === repo ? String(blocker.number) : `${blocker.repo}#${blocker.number}`,
    ),
  };
  if (!stack || blockers.some((blocker) => blocker.repo !== undefined && blocker.repo !== repo)) return wait;
  const chosen = stackBase(
    blockers.map((blocker) => blocker.number),
    pulls,
  );
  return chosen === undefined ? wait : { kind: 'stack', branch: chosen.pull.head, pr: chosen.pull.number, blocker: chosen.blocker };
}

/**
 * The blocker whose pull request's branch holds every other blocker's (following each pull
 * request's base down the chain), or undefined when a blocker has no open pull request of the
 * pool or no single branch holds them all.
 */
export function stackBase(
  blockers: readonly number[],
  pulls: readonly OpenPull[],
): { readonly blocker: number; readonly pull: OpenPull } | undefined {
  const byHead = new Map(pulls.filter((pull) => poolBranchOf(pull.head) !== undefined).map((pull) => [pull.head, pull]));
  const pullOf = (number: number) => [...byHead.values()].find((pull) => poolBranchOf(pull.head) === number);
  if (blockers.some((blocker) => pullOf(blocker) === undefined)) return undefined;
  for (const candidate of blockers) {
    const held = new Set<number>();
    for (let pull = pullOf(candidate); pull !== undefined && !held.has(poolBranchOf(pull.head)!); pull = byHead.get(pull.base))
      held.add(poolBranchOf(pull.head)!);
    if (blockers.every((blocker) => held.has(blocker))) return { blocker: candidate, pull: pullOf(candidate)! };
  }
  return undefined;
}

const openPullSchema = z.object({
  number: z.number().int().positive(),
  head: z.object({ ref: z.string() }),
  base: z.object({ ref: z.string() }),
});

/** The repository's open pull requests, every page (read only when a claimed task has open blockers and stacking is on). */
export async function listOpenPulls(gh: GhContext, repo: string): Promise<OpenPull[]> {
  const what = `open pull requests of ${repo}`;
  const answer = z.array(openPullSchema).safeParse(await ghList(gh, { path: `repos/${repo}/pulls?state=open&per_page=100`, what }));
  if (!answer.success) return [];
  return answer.data.map((pull) => ({ number: pull.number, head: pull.head.ref, base: pull.base.ref }));
}

/** A short cache of the claim-time reads: a task claimed again at once (a pause, a hand-back) costs no request. */
const BLOCKERS_CACHE_MS = 30_000;
const blockersRead = new Map<string, { at: number; open: OpenBlocker[] }>();

/** The open blockers of issue `number`, read from GitHub at most once per BLOCKERS_CACHE_MS. */
export async function openBlockersOf(gh: GhContext, repo: string, number: number, nowMs: number): Promise<OpenBlocker[]> {
  const key = `${repo}#${number}`;
  const kept = blockersRead.get(key);
  if (kept && nowMs - kept.at < BLOCKERS_CACHE_MS) return kept.open;
  const open = (await listBlockedBy(gh, repo, number))
    .filter((issue) => issue.state === 'open')
    .map((issue) => ({ number: issue.number, ...(issue.repo === undefined ? {} : { repo: issue.repo }) }));
  blockersRead.set(key, { at: nowMs, open });
  return open;
}

/** A pull request stacked on a merged one: its base is moved to the merged one's base. */
export interface Retarget {
  readonly task_id: string;
  readonly pr_number: number;
  readonly head: string;
  /** The merged blocker's branch: the old base. */
  readonly from: string;
  /** The merged blocker's own base. */
  readonly to: string;
  /** The merged blocker's pull request. */
  readonly merged_pr: number;
}

/** What retargetsDue reads of the watcher's file (pull-request-watcher.ts's PullWatchFile). */
export interface StackView {
  readonly pulls: Readonly<
    Record<
      string,
      {
        readonly task_id: string;
        readonly pr_number: number;
        readonly state: string;
        readonly cache: {
          readonly pull?:
            | { readonly data: { readonly head: { readonly ref: string }; readonly base: { readonly ref: string } } }
            | undefined;
        };
      }
    >
  >;
}

/** The open pull requests of the pool whose base is the branch of a merged one (as the watcher last read both). */
export function retargetsDue(watched: StackView): Retarget[] {
  const pulls = Object.values(watched.pulls);
  const merged = pulls.filter((pull) => pull.state === 'merged' && pull.cache.pull !== undefined);
  const retargets: Retarget[] = [];
  for (const pull of pulls) {
    const detail = pull.cache.pull?.data;
    if (detail === undefined || pull.state === 'merged' || pull.state === 'closed') continue;
    const blocker = merged.find((candidate) => candidate.cache.pull!.data.head.ref === detail.base.ref);
    if (blocker === undefined) continue;
    retargets.push({
      task_id: pull.task_id,
      pr_number: pull.pr_number,
      head: detail.head.ref,
      from: detail.base.ref,
      to: blocker.cache.pull!.data.base.ref,
      merged_pr: blocker.pr_number,
    });
  }
  return retargets;
}

/** PATCH /repos/{repo}/pulls/{n} with a new base. */
export async function setPullBase(gh: GhContext, repo: string, number: number, base: string): Promise<void> {
  await ghRequest(gh, {
    path: `repos/${repo}/pulls/${number}`,
    method: 'PATCH',
    body: { base },
    what: `the base of pull request #${number} in ${repo}`,
  });
}
