import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AgentUsage, AgentVerdict } from '../agent/agent-adapter.js';
import type { RunObservation } from '../queue/backend.js';
import { ensureCleanOperation, getCommitsAhead } from '../adapters/git.js';
import { formatDuration } from '../core/duration.js';
import { ensureDirSync } from '../core/fs-safe.js';
import { deliverPullRequest, githubFailure } from '../github/deliver-pull-request.js';
import { fetchIssueContext } from '../github/issue-context.js';
import { ProgressWatch } from './progress-watch.js';
import { decideOutcome, type AttemptOutcome, type InspectFailure, type NewWork } from './outcome.js';
import { BackendFailure, factsOf, runOutputFile, saveState, withBackend, type Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';
import { ensureTaskWorktree, removeTaskWorktree } from './worktree.js';

export interface Settled {
  readonly outcome: AttemptOutcome;
  readonly usage?: AgentUsage;
  /** What the agent said, when the run ended on its own (a usage limit's reset time, a failed resume). */
  readonly verdict?: AgentVerdict;
}

/** Not an outcome: the task was removed from the queue, the run never started, or we were told to abort. */
export type Interrupted = 'gone' | 'not-started' | 'aborted';

const DEFAULT_KILL_GRACE_MS = 5000;
const SHORTEST_POLL_MS = 10;
const LONGEST_POLL_MS = 250;

/** A tenth of the run's age, within bounds: a quick run is noticed quickly, a long one cheaply. */
const pollDelay = (ageMs: number) => Math.min(LONGEST_POLL_MS, Math.max(SHORTEST_POLL_MS, ageMs / 10));

const failure = (
  errorClass: 'worktree_error' | 'backend_error' | 'agent_error' | 'timeout' | 'github_error' | 'stalled',
  message: string,
  retry = true,
): Settled => ({
  outcome: { kind: 'failure', errorClass, message, retry },
});

/** `worker-queue kill`: the task ends cancelled, never retried (docs/SPEC.md section 8.1). */
const KILLED_BY_USER: Settled = { outcome: { kind: 'cancelled' } };

/** GitHub mode: the issue text, fetched once per task (a deleted issue fails the task, not retried). */
async function fetchIssueOnce(rt: Runtime, ts: TaskState): Promise<Settled | undefined> {
  if (!rt.github || ts.issue !== null) return undefined;
  try {
    ts.issue = await fetchIssueContext(rt.github.gh, rt.github.repo, Number(ts.subissue), Number(ts.parent));
    return undefined;
  } catch (error) {
    const failed = githubFailure(error);
    return failure('github_error', failed.inspectError, failed.retry ?? true);
  }
}

const backendFailed = (error: unknown): Settled => {
  if (error instanceof BackendFailure) return failure('backend_error', error.message);
  throw error;
};

/** The recovery each failure class gets before the next attempt, then the worktree. */
async function prepareWorktree(rt: Runtime, ts: TaskState): Promise<void> {
  if (ts.last_error_class === 'worktree_error') await removeTaskWorktree(rt.repo, ts.worktree);
  if (ts.last_error_class === 'git_error' && existsSync(ts.worktree)) await ensureCleanOperation(ts.worktree);
  await ensureTaskWorktree(rt.repo, { worktree: ts.worktree, branch: ts.branch }, ts.base_branch);
}

/** Prepares the worktree and starts the attempt's run; moves the task to phase `running`. */
export async function startAttempt(rt: Runtime, ts: TaskState): Promise<Settled | 'gone' | 'started'> {
  try {
    await prepareWorktree(rt, ts);
  } catch (error) {
    return failure('worktree_error', `the worktree ${ts.worktree} could not be prepared: ${(error as Error).message}`);
  }
  const unfetched = await fetchIssueOnce(rt, ts);
  if (unfetched) return unfetched;
  try {
    const current = await withBackend(rt, 'reading the task', (backend) => backend.get(ts.queue_task_id));
    if (current === undefined) return 'gone';
    // After a backend error the earlier run may still be going: take it up, never start a second.
    if (ts.last_error_class === 'backend_error') {
      const seen = await withBackend(rt, 'observing the run', (backend) => backend.observeRun(ts.queue_task_id));
      if (seen.state === 'running') {
        Object.assign(ts, { phase: 'running', expected_runs: current.attempts });
        await saveState(rt, ts);
        return 'started';
      }
    }
    const outputFile = runOutputFile(rt, ts, ts.attempt);
    ensureDirSync(dirname(outputFile));
    // An attempt handed back without counting (usage limit) runs again under the same number.
    await rename(outputFile, `${outputFile}.${rt.now().getTime()}.earlier`).catch(() => undefined);
    const commitsAtStart = await getCommitsAhead(rt.repo, ts.base_branch, ts.branch).catch(() => null);
    const resumeSessionId = rt.settings.CLAUDE_RESUME && ts.session_id ? ts.session_id : undefined;
    const sessionWorker = resumeSessionId ? (ts.session_worker ?? rt.workerId) : rt.workerId;
    const prepared = rt.agent.prepare(factsOf(rt, ts), {
      outputFile,
      ...(resumeSessionId ? { resumeSessionId, resumeWorkerId: sessionWorker } : {}),
    });
    Object.assign(ts, {
      phase: 'running',
      expected_runs: current.attempts + 1,
      attempt_started_at: rt.now().toISOString(),
      output_file: outputFile,
      commits_at_start: commitsAtStart,
      session_id: prepared.sessionId ?? ts.session_id,
      session_worker: prepared.sessionId ? sessionWorker : ts.session_worker,
      resumed: ts.resumed || resumeSessionId !== undefined,
    });
    await saveState(rt, ts);
    if (prepared.sessionId)
      await rt.sessions.remember(ts.queue_task_id, ts.subissue, { sessionId: prepared.sessionId, workerId: sessionWorker });
    await withBackend(rt, 'starting the run', (backend) => backend.startRun(ts.queue_task_id, prepared.run));
    return 'started';
  } catch (error) {
    return backendFailed(error);
  }
}

/** The branch's new work; a git or gh failure is the attempt's git_error, with what the tool said. */
async function inspectWork(rt: Runtime, ts: TaskState): Promise<NewWork | InspectFailure> {
  try {
    const commitsAhead = await getCommitsAhead(rt.repo, ts.base_branch, ts.branch);
    if (rt.github && commitsAhead > 0) return await deliverPullRequest(rt.github, ts, commitsAhead);
    return { ghReady: rt.github !== undefined, hasPullRequest: false, commitsAhead };
  } catch (error) {
    return { inspectError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Judges the attempt from what the run says and what the branch shows. `exitCode` is undefined
 * when the runner could not record how the run ended (its result write failed on a full disk):
 * before that attempt is repeated, the agent's output and the branch are asked; new commits of
 * this attempt mean the agent got that far, and the branch decides as after an exit 0.
 */
async function judge(rt: Runtime, ts: TaskState, exitCode: number | undefined): Promise<Settled> {
  const said = await rt.agent.interpret({ exitCode, ...(ts.output_file ? { outputFile: ts.output_file } : {}) });
  const work = said.kind === 'finished' || exitCode === undefined ? await inspectWork(rt, ts) : undefined;
  const { kind: _kind, ...usage } = said;
  const committed =
    exitCode === undefined &&
    work !== undefined &&
    'commitsAhead' in work &&
    ts.commits_at_start !== null &&
    work.commitsAhead > ts.commits_at_start;
  const verdict: AgentVerdict = committed && said.kind === 'failed' ? { kind: 'finished', ...(usage as AgentUsage) } : said;
  return { outcome: decideOutcome(verdict, work), usage: usage as AgentUsage, verdict };
}

/**
 * A run that ended without a result. New commits by this attempt mean the agent got that far, and
 * the agent may still read its output; a failure left after that is the queue's doing, not the
 * agent's (a Pueue daemon restarted under the run kills it), so it is a backend_error.
 */
async function judgeLost(rt: Runtime, ts: TaskState): Promise<Settled> {
  const settled = await judge(rt, ts, undefined);
  const { outcome } = settled;
  if (outcome.kind !== 'failure' || outcome.errorClass !== 'agent_error') return settled;
  const cause = rt.backendNow.lostRunCause;
  return { ...settled, outcome: { ...outcome, errorClass: 'backend_error', message: `the run was lost without a result: ${cause}` } };
}

/**
 * The backend re-reads a run's result after finding its process gone, so `lost` is final here.
 * A backend that does not answer (a daemon stopped or swapped out) is waited for as long as it
 * takes: the run goes on without it, and giving up would start a second run of the task.
 */
const observeRun = (rt: Runtime, ts: TaskState): Promise<RunObservation> =>
  withBackend(rt, 'observing the run', (backend) => backend.observeRun(ts.queue_task_id), true);

/**
 * Waits for the attempt's run (also a run started before a worker restart) and judges it.
 * TASK_TIMEOUT counts from the run's start; past it the run's process group is killed, as it is
 * when the progress watch finds the run stalled.
 */
export async function settleRun(rt: Runtime, ts: TaskState, resumed: boolean): Promise<Settled | Interrupted> {
  try {
    if (resumed) {
      const current = await withBackend(rt, 'reading the task', (backend) => backend.get(ts.queue_task_id));
      if (current === undefined) return 'gone';
      if (current.attempts < ts.expected_runs) return 'not-started';
    }
    const grace = rt.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    let progress: ProgressWatch | undefined;
    for (;;) {
      const mark = rt.changes.mark();
      const seen = await observeRun(rt, ts);
      if (seen.state === 'exited') return await judge(rt, ts, seen.exitCode);
      if (seen.state === 'killed') return seen.byUser ? KILLED_BY_USER : failure('agent_error', 'the run was killed by a signal');
      if (seen.state === 'lost') return await judgeLost(rt, ts);
      if (seen.state === 'none') return 'not-started';
      if (rt.control.aborting) {
        await withBackend(rt, 'stopping the run', (backend) => backend.killRun(ts.queue_task_id, grace));
        return 'aborted';
      }
      const startedMs = Date.parse(seen.startedAt) || Date.parse(ts.attempt_started_at ?? '') || rt.now().getTime();
      progress ??= new ProgressWatch(rt, ts, startedMs);
      const progressed = await progress.check();
      if (progressed.stop) {
        await withBackend(rt, 'stopping the run', (backend) => backend.killRun(ts.queue_task_id, grace));
        return failure('stalled', progressed.reason);
      }
      const left = startedMs + rt.settings.TASK_TIMEOUT - rt.now().getTime();
      if (left <= 0) {
        await withBackend(rt, 'stopping the run', (backend) => backend.killRun(ts.queue_task_id, grace));
        return failure('timeout', `the agent ran longer than TASK_TIMEOUT (${formatDuration(rt.settings.TASK_TIMEOUT)}) and was stopped`);
      }
      await rt.changes.sleep(rt.control, Math.min(pollDelay(rt.now().getTime() - startedMs), left), mark);
    }
  } catch (error) {
    return backendFailed(error);
  }
}
