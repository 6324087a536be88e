import { describe, expect, it } from 'vitest';
import { decideOutcome, nextStep, type AttemptOutcome } from '../../src/worker/outcome.js';

const finished = { kind: 'finished' } as const;
const noGh = (commitsAhead: number) => ({ ghReady: false, hasPullRequest: false, commitsAhead });

describe('decideOutcome', () => {
  it('is success with commits ahead when gh is not ready', () => {
    expect(decideOutcome(finished, noGh(2))).toEqual({ kind: 'success', evidence: '2 commit(s) ahead' });
  });

  it('is review for exit 0 without new work', () => {
    expect(decideOutcome(finished, noGh(0))).toEqual({ kind: 'review' });
  });

  it('needs a pull request when gh is ready', () => {
    expect(decideOutcome(finished, { ghReady: true, hasPullRequest: false, commitsAhead: 3 })).toEqual({ kind: 'review' });
    expect(decideOutcome(finished, { ghReady: true, hasPullRequest: true, commitsAhead: 3 }).kind).toBe('success');
  });

  it('passes the agent failure class through', () => {
    const verdict = { kind: 'failed', errorClass: 'auth_error', message: 'not logged in', retry: false } as const;
    expect(decideOutcome(verdict, undefined)).toEqual({
      kind: 'failure',
      errorClass: 'auth_error',
      message: 'not logged in',
      retry: false,
    });
  });

  it('is a git error when the branch could not be inspected', () => {
    expect(decideOutcome(finished, undefined)).toMatchObject({ kind: 'failure', errorClass: 'git_error', retry: true });
    expect(decideOutcome(finished, { inspectError: 'git push failed in /repo: no origin' })).toEqual({
      kind: 'failure',
      errorClass: 'git_error',
      message: 'could not inspect the branch: git push failed in /repo: no origin',
      retry: true,
    });
  });
});

describe('nextStep', () => {
  const agentError: AttemptOutcome = { kind: 'failure', errorClass: 'agent_error', message: 'exit 1', retry: true };

  it('finishes successes and reviews at once', () => {
    expect(nextStep({ kind: 'success', evidence: 'x' }, 1, 3)).toEqual({ kind: 'finish', status: 'done' });
    expect(nextStep({ kind: 'review' }, 1, 3)).toMatchObject({ kind: 'finish', status: 'review' });
  });

  it('retries a retryable failure until the last attempt, then fails with the reason', () => {
    expect(nextStep(agentError, 1, 3)).toEqual({ kind: 'retry' });
    expect(nextStep(agentError, 2, 3)).toEqual({ kind: 'retry' });
    expect(nextStep(agentError, 3, 3)).toEqual({ kind: 'finish', status: 'failed', error: 'agent_error: exit 1 (after 3 attempt(s))' });
  });

  it('never retries a failure the agent marks as hopeless', () => {
    const auth: AttemptOutcome = { kind: 'failure', errorClass: 'auth_error', message: 'login', retry: false };
    expect(nextStep(auth, 1, 3)).toEqual({ kind: 'finish', status: 'failed', error: 'auth_error: login (not retried)' });
  });
});
