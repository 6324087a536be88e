import type { AgentVerdict } from '../agent/agent-adapter.js';

export type FailureClass =
  | 'worktree_error'
  | 'git_error'
  | 'agent_error'
  | 'timeout'
  | 'backend_error'
  | 'auth_error'
  | 'usage_limit'
  | 'max_turns'
  | 'github_error'
  | 'stalled';

/** What one attempt came to. */
export type AttemptOutcome =
  | { readonly kind: 'success'; readonly evidence: string; readonly pullRequest?: PullRequestRef }
  | { readonly kind: 'review' }
  | { readonly kind: 'failure'; readonly errorClass: FailureClass; readonly message: string; readonly retry: boolean }
  /** A person killed the run (`worker-queue kill`): not the agent's failure, never retried. */
  | { readonly kind: 'cancelled' };

export interface PullRequestRef {
  readonly number: number;
  readonly url: string;
}

/** The branch's state after an exit 0: a pull request (GitHub mode) or commits ahead of the base. */
export interface NewWork {
  readonly ghReady: boolean;
  readonly hasPullRequest: boolean;
  readonly commitsAhead: number;
  readonly pullRequest?: PullRequestRef;
}

/** Inspecting the branch, pushing it or opening its pull request failed: what the tool said. */
export interface InspectFailure {
  readonly inspectError: string;
  /** Default git_error, retried. */
  readonly errorClass?: 'git_error' | 'github_error';
  readonly retry?: boolean;
  /** It was the delivery (push, pull request) of finished work that failed, not the inspection. */
  readonly delivery?: boolean;
}

/**
 * docs/SPEC.md section 7: exit 0 with new work is success, exit 0 without it is review (not retried),
 * anything else is the agent's failure class.
 */
export function decideOutcome(verdict: AgentVerdict, work: NewWork | InspectFailure | undefined): AttemptOutcome {
  if (verdict.kind === 'failed') {
    return { kind: 'failure', errorClass: verdict.errorClass, message: verdict.message, retry: verdict.retry };
  }
  if (work === undefined || 'inspectError' in work) {
    if (work?.errorClass === 'github_error')
      return { kind: 'failure', errorClass: 'github_error', message: work.inspectError, retry: work.retry ?? true };
    const message = work ? `could not inspect the branch: ${work.inspectError}` : 'could not inspect the branch';
    return { kind: 'failure', errorClass: 'git_error', message, retry: work?.retry ?? true };
  }
  if (work.ghReady) {
    if (!work.hasPullRequest) return { kind: 'review' };
    return work.pullRequest
      ? { kind: 'success', evidence: `pull request #${work.pullRequest.number}`, pullRequest: work.pullRequest }
      : { kind: 'success', evidence: 'pull request' };
  }
  return work.commitsAhead > 0 ? { kind: 'success', evidence: `${work.commitsAhead} commit(s) ahead` } : { kind: 'review' };
}

/** The next step after an attempt: finish the task, or retry after a delay. */
export type NextStep =
  | { readonly kind: 'finish'; readonly status: 'done' | 'review' | 'failed' | 'cancelled'; readonly error?: string }
  | { readonly kind: 'retry' };

export function nextStep(outcome: AttemptOutcome, attempts: number, maxAttempts: number): NextStep {
  if (outcome.kind === 'success') return { kind: 'finish', status: 'done' };
  if (outcome.kind === 'review') return { kind: 'finish', status: 'review', error: 'the agent finished without new work' };
  if (outcome.kind === 'cancelled') return { kind: 'finish', status: 'cancelled', error: 'killed by the user' };
  if (outcome.retry && attempts < maxAttempts) return { kind: 'retry' };
  const reason = outcome.retry ? `after ${attempts} attempt(s)` : 'not retried';
  return { kind: 'finish', status: 'failed', error: `${outcome.errorClass}: ${outcome.message} (${reason})` };
}
