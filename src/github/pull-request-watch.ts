import type { CheckRun, CommitStatus, PullDetail, Review } from '../adapters/github/rest-resources.js';

/*
 * What a pull request of the pool is waiting for (docs/SPEC.md section 14.2), computed from what
 * GitHub said of it, and when to look again. Pure: the watcher (pull-request-watcher.ts) fetches,
 * these functions decide.
 */

export const PULL_STATES = ['open', 'changes_requested', 'approved', 'conflicting', 'ready', 'merged', 'closed'] as const;
export type PullState = (typeof PULL_STATES)[number];
export const CHECK_STATES = ['none', 'pending', 'passing', 'failing'] as const;
export type ChecksState = (typeof CHECK_STATES)[number];

/** A check that failed, as a follow-up or a person needs it. */
export interface FailingCheck {
  readonly name: string;
  readonly conclusion: string;
  readonly summary: string;
  readonly details_url: string | null;
  /** A check run's id (GitHub Actions: the job's id, whose log REST serves); null for a commit status. */
  readonly check_run_id: number | null;
}

export interface PullVerdict {
  readonly state: PullState;
  readonly checks: ChecksState;
  readonly failing: readonly FailingCheck[];
  /** Logins whose latest review approves and who may write to the repository. */
  readonly approved_by: readonly string[];
}

/** The answers a verdict is computed from. */
export interface PullSnapshot {
  readonly pull: PullDetail;
  readonly reviews: readonly Review[];
  readonly checkRuns: readonly CheckRun[];
  readonly statuses: readonly CommitStatus[];
}

/** Who may write to the repository, as a review's author_association says it. */
const WRITE_ACCESS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out', 'cancelled', 'action_required', 'startup_failure', 'stale']);

/**
 * Pending, passing or failing over every check run and commit status of the head commit. A
 * commit status counts by its latest report per context (GitHub lists newest first).
 */
export function checksOf(
  checkRuns: readonly CheckRun[],
  statuses: readonly CommitStatus[],
): { checks: ChecksState; failing: FailingCheck[] } {
  const failing: FailingCheck[] = [];
  let pending = false;
  for (const run of checkRuns) {
    if (run.status !== 'completed') pending = true;
    else if (run.conclusion !== null && FAILED_CONCLUSIONS.has(run.conclusion)) {
      failing.push({
        name: run.name,
        conclusion: run.conclusion,
        summary: [run.output.title, run.output.summary].filter(Boolean).join(': '),
        details_url: run.details_url,
        check_run_id: run.id,
      });
    }
  }
  const seen = new Set<string>();
  for (const status of statuses) {
    if (seen.has(status.context)) continue;
    seen.add(status.context);
    if (status.state === 'pending') pending = true;
    else if (status.state === 'failure' || status.state === 'error') {
      failing.push({
        name: status.context,
        conclusion: status.state,
        summary: status.description,
        details_url: status.target_url,
        check_run_id: null,
      });
    }
  }
  const checks: ChecksState =
    failing.length > 0 ? 'failing' : pending ? 'pending' : checkRuns.length + statuses.length > 0 ? 'passing' : 'none';
  return { checks, failing };
}

/**
 * Each writer's latest deciding review, oldest first as GitHub lists them: a comment decides
 * nothing, a dismissal undoes that reviewer's decision. A reviewer without write access never
 * counts: on a public repository anyone may review.
 */
function decisions(reviews: readonly Review[]): Map<string, 'APPROVED' | 'CHANGES_REQUESTED'> {
  const latest = new Map<string, 'APPROVED' | 'CHANGES_REQUESTED'>();
  for (const review of reviews) {
    if (review.user === null || !WRITE_ACCESS.has(review.author_association)) continue;
    if (review.state === 'APPROVED' || review.state === 'CHANGES_REQUESTED') latest.set(review.user, review.state);
    else if (review.state === 'DISMISSED') latest.delete(review.user);
  }
  return latest;
}

/** The latest review asking for changes from a person with write access, while it is in force. */
export function changesRequestedReview(reviews: readonly Review[]): { id: number; login: string } | null {
  const latest = decisions(reviews);
  for (const review of [...reviews].reverse()) {
    if (review.user !== null && review.state === 'CHANGES_REQUESTED' && latest.get(review.user) === 'CHANGES_REQUESTED')
      return { id: review.id, login: review.user };
  }
  return null;
}

/**
 * The state of one pull request. `ready` asks for all of: an approving review from a person with
 * write access, no change requested by such a person since, checks green (none at all counts as
 * green: a repository without CI), GitHub saying it merges cleanly, and not a draft.
 */
export function pullVerdict(snapshot: PullSnapshot): PullVerdict {
  const { pull } = snapshot;
  const { checks, failing } = checksOf(snapshot.checkRuns, snapshot.statuses);
  const latest = decisions(snapshot.reviews);
  const approved_by = [...latest].filter(([, decision]) => decision === 'APPROVED').map(([login]) => login);
  const changesRequested = [...latest.values()].includes('CHANGES_REQUESTED');
  const state = ((): PullState => {
    if (pull.merged) return 'merged';
    if (pull.state === 'closed') return 'closed';
    if (pull.mergeable === false || pull.mergeable_state === 'dirty') return 'conflicting';
    if (changesRequested) return 'changes_requested';
    if (approved_by.length === 0) return 'open';
    const green = checks === 'passing' || checks === 'none';
    return green && pull.mergeable === true && !pull.draft ? 'ready' : 'approved';
  })();
  return { state, checks, failing, approved_by };
}

/** Whether the watcher still follows a pull request in this state. */
export const isFinal = (state: PullState) => state === 'merged' || state === 'closed';

const HOUR_MS = 3_600_000;
/** A quiet pull request is looked at no less often than this. */
export const MAX_POLL_MS = 10 * 60_000;

/**
 * When to look again. While checks run: twice as often as the interval (a result is what the
 * person waits for). A change in the last hour: the interval (PR_POLL_INTERVAL, the longest such
 * a change waits to be seen). Quiet longer: the interval doubled per further quiet hour, up to
 * MAX_POLL_MS. A 304 answer costs no rate limit, so this bounds processes and time, not quota.
 */
export function pollDelayMs(
  verdict: Pick<PullVerdict, 'state' | 'checks'>,
  lastChangeMs: number,
  nowMs: number,
  intervalMs: number,
): number {
  if (verdict.checks === 'pending') return Math.max(1000, Math.round(intervalMs / 2));
  const quietHours = Math.floor(Math.max(0, nowMs - lastChangeMs) / HOUR_MS);
  return Math.min(Math.max(intervalMs, MAX_POLL_MS), intervalMs * 2 ** quietHours);
}

/** Per parent: how many of its pull requests are in which condition, for `worker-queue status`. */
export interface PullCounts {
  readonly ready: number;
  readonly waiting_review: number;
  readonly changes_requested: number;
  readonly failing: number;
  readonly conflicting: number;
  readonly merged: number;
  readonly closed: number;
}

/**
 * Failing checks first (they need work whatever the reviews say); then what the state says.
 * "Waiting for review" is an open pull request whose checks are not failing, approved or not
 * yet ready (for instance its checks still run).
 */
export function countPulls(verdicts: readonly Pick<PullVerdict, 'state' | 'checks'>[]): PullCounts {
  const counts = { ready: 0, waiting_review: 0, changes_requested: 0, failing: 0, conflicting: 0, merged: 0, closed: 0 };
  for (const { state, checks } of verdicts) {
    if (state === 'merged' || state === 'closed' || state === 'ready' || state === 'conflicting') counts[state] += 1;
    else if (checks === 'failing') counts.failing += 1;
    else if (state === 'changes_requested') counts.changes_requested += 1;
    else counts.waiting_review += 1;
  }
  return counts;
}
