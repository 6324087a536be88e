import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AgentUsage, AgentVerdict, RunWatcher } from '../agent/agent-adapter.js';
import type { RunObservation } from '../queue/backend.js';
import { ensureCleanOperation, fetchOriginBranch, getCommitsAhead } from '../adapters/git.js';
import { parseNameList } from '../core/agent-env.js';
import { freshRateBudget } from '../adapters/github/gh-api.js';
import { formatDuration } from '../core/duration.js';
import { ensureDirSync } from '../core/fs-safe.js';
import { deliverPullRequest, githubFailure } from '../github/deliver-pull-request.js';
import { fetchIssueContext } from '../github/issue-context.js';
import { fetchFollowUpData } from '../github/followup-context.js';
import { chooseTaskBranch } from '../github/pull-requests.js';
import { ProgressWatch } from './progress-watch.js';
import { decideOutcome, type AttemptOutcome, type InspectFailure, type NewWork } from './outcome.js';
import { BackendFailure, factsOf, logError, runOutputFile, saveState, withBackend, type Runtime } from './runtime.js';
import { collectSandboxedBranch, sandboxRun } from './sandbox.js';
import { verificationOf, verifyRound } from './verify-gate.js';
import { runProjectCommand } from './project-command.js';
import type { TaskState } from './worker-state.js';
import { ensureTaskWorktree, removeTaskWorktree, withWorktreesLock } from './worktree.js';
import { traceStep } from '../core/step-trace.js';

export interface Settled {
  readonly outcome: AttemptOutcome;
  /** The agent finished with new commits and only their delivery (push, pull request) failed. */
  readonly deliveryFailed?: boolean;
  readonly usage?: AgentUsage;
  /** What the agent said, when the run ended on its own (a usage limit's reset time, a failed resume). */
  readonly verdict?: AgentVerdict;
}

/** The agent finished but WORKER_VERIFY_CMD failed with rounds left: it is resumed to fix that (docs/SPEC.md section 15.3). */
export interface FixRound {
  readonly fixVerify: true;
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
    const trusted = parseNameList(rt.settings.TRUSTED_COMMENTERS);
    ts.issue = await fetchIssueContext(freshRateBudget(rt.github.gh), rt.github.repo, Number(ts.subissue), Number(ts.parent), trusted);
    return undefined;
  } catch (error) {
    const failed = githubFailure(error);
    return failure('github_error', failed.inspectError, failed.retry ?? true);
  }
}

/** A follow-up's data (docs/SPEC.md section 14.3), fetched once per task like the issue. */
async function fetchFollowUpOnce(rt: Runtime, ts: TaskState): Promise<Settled | undefined> {
  if (!rt.github || ts.kind === null || ts.followup_data !== null) return undefined;
  try {
    const trusted = parseNameList(rt.settings.TRUSTED_COMMENTERS);
    ts.followup_data = await fetchFollowUpData(freshRateBudget(rt.github.gh), rt.github.repo, ts.branch, ts.kind, trusted, {
      repo: rt.repo,
      base: ts.base_branch,
    });
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

/**
 * GitHub mode, once per task: a branch whose pull requests all closed or merged is done with, and
 * the task works on the next free name (docs/SPEC.md section 14.1). Then the branch as origin has
 * it, which another host may have pushed: the attempt starts from there (section 14.1).
 */
async function locateBranch(rt: Runtime, ts: TaskState): Promise<{ originCommit?: string } | Settled> {
  if (!rt.github) return {};
  if (!ts.branch_checked) {
    try {
      const chosen = await chooseTaskBranch(rt.github.gh, rt.github.repo, ts.branch);
      for (const ended of chosen.ended)
        rt.say(
          `task ${ts.subissue}: ${ended.branch} had pull request #${ended.number} ${ended.merged ? 'merged' : 'closed'}; working on ${chosen.branch}`,
        );
      Object.assign(ts, { branch: chosen.branch, branch_checked: true });
    } catch (error) {
      const failed = githubFailure(error);
      return failure('github_error', failed.inspectError, failed.retry ?? true);
    }
  }
  try {
    const originCommit = await fetchOriginBranch(rt.repo, ts.branch);
    return originCommit === undefined ? {} : { originCommit };
  } catch (error) {
    return {
      outcome: {
        kind: 'failure',
        errorClass: 'git_error',
        message: `could not fetch ${ts.branch} from origin: ${(error as Error).message}`,
        retry: true,
      },
    };
  }
}

/** The recovery each failure class gets before the next attempt, then the worktree; true when its branch is new at the base. */
async function prepareWorktree(rt: Runtime, ts: TaskState, originCommit: string | undefined): Promise<boolean> {
  if (ts.last_error_class === 'worktree_error') await removeTaskWorktree(rt.repo, ts.worktree);
  if (ts.last_error_class === 'git_error' && existsSync(ts.worktree)) await ensureCleanOperation(ts.worktree);
  const prepared = await withWorktreesLock(rt.repo, rt.settings.LOCK_STALE_TIMEOUT, () =>
    ensureTaskWorktree(rt.repo, { worktree: ts.worktree, branch: ts.branch }, ts.base_branch, originCommit),
  );
  // A worktree made again has not had WORKER_SETUP_CMD.
  if (!prepared.reused) ts.setup_done = false;
  return prepared.fromBase;
}

/** WORKER_SETUP_CMD, once per worktree before the agent (docs/SPEC.md section 15.2); a failure is the attempt's worktree_error. */
async function setUpWorktree(rt: Runtime, ts: TaskState): Promise<Settled | undefined> {
  const command = rt.settings.WORKER_SETUP_CMD.trim();
  if (command === '' || ts.setup_done) return undefined;
  rt.say(`task ${ts.subissue}: setting up the worktree with \`${command}\``);
  const result = await runProjectCommand(rt, ts, 'setup', command).catch((error: unknown) => ({
    passed: false,
    tail: `it could not be started: ${(error as Error).message}`,
  }));
  if (!result.passed)
    return failure(
      'worktree_error',
      `WORKER_SETUP_CMD \`${command}\` failed; its output ends: ${result.tail.split('\n').slice(-5).join(' | ')}`,
    );
  ts.setup_done = true;
  await saveState(rt, ts);
  return undefined;
}

/**
 * A follow-up without a session of its own continues the conversation of the sub-issue's finished
 * task, when that ran in this worktree on this branch: the agent keeps what it knew (docs/SPEC.md
 * section 14.3). Asked once the branch is located, since the task may have moved to a later name.
 */
async function recallFollowUpSession(rt: Runtime, ts: TaskState): Promise<void> {
  if (ts.kind === null || ts.session_id !== null || !rt.settings.CLAUDE_RESUME) return;
  const kept = await rt.sessions.recallFinished(ts.subissue, { worktree: ts.worktree, branch: ts.branch });
  if (kept) Object.assign(ts, { session_id: kept.sessionId, session_worker: kept.workerId });
}

/** Prepares the worktree and starts the attempt's run; moves the task to phase `running`. */
export async function startAttempt(rt: Runtime, ts: TaskState): Promise<Settled | 'gone' | 'started'> {
  const located = await locateBranch(rt, ts);
  if ('outcome' in located) return located;
  await recallFollowUpSession(rt, ts);
  let fromBase: boolean;
  try {
    traceStep(ts.subissue, 'worktree-start');
    fromBase = await prepareWorktree(rt, ts, located.originCommit);
    traceStep(ts.subissue, 'worktree-done');
  } catch (error) {
    return failure('worktree_error', `the worktree ${ts.worktree} could not be prepared: ${(error as Error).message}`);
  }
  const unfetched = (await fetchIssueOnce(rt, ts)) ?? (await fetchFollowUpOnce(rt, ts));
  if (unfetched) return unfetched;
  const unready = await setUpWorktree(rt, ts);
  if (unready) return unready;
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
    // A branch just made at the base has nothing of its own: a git process (~15 ms of a short task) saved.
    const commitsAtStart = fromBase ? 0 : await getCommitsAhead(rt.repo, ts.base_branch, ts.branch).catch(() => null);
    const resumeSessionId = rt.settings.CLAUDE_RESUME && ts.session_id ? ts.session_id : undefined;
    const sessionWorker = resumeSessionId ? (ts.session_worker ?? rt.workerId) : rt.workerId;
    const prepared = rt.agent.prepare(factsOf(rt, ts), {
      outputFile,
      ...(resumeSessionId ? { resumeSessionId, resumeWorkerId: sessionWorker } : {}),
    });
    let run = prepared.run;
    try {
      run = await sandboxRun(rt, ts, prepared.run);
    } catch (error) {
      return failure('worktree_error', `the sandbox for ${ts.worktree} could not be prepared: ${(error as Error).message}`);
    }
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
    traceStep(ts.subissue, 'run-starting');
    await withBackend(rt, 'starting the run', (backend) => backend.startRun(ts.queue_task_id, run));
    traceStep(ts.subissue, 'run-started');
    return 'started';
  } catch (error) {
    return backendFailed(error);
  }
}

/** The branch's new work; a git or gh failure is the attempt's git_error, with what the tool said. */
async function inspectWork(rt: Runtime, ts: TaskState): Promise<NewWork | InspectFailure> {
  try {
    const commitsAhead = await getCommitsAhead(rt.repo, ts.base_branch, ts.branch);
    if (!rt.github || commitsAhead === 0) return { ghReady: rt.github !== undefined, hasPullRequest: false, commitsAhead };
    const delivered = await deliverPullRequest(rt.github, ts, commitsAhead, verificationOf(rt, ts));
    if (delivered.pushedCommit !== undefined) ts.pushed_commit = delivered.pushedCommit;
    return 'inspectError' in delivered ? { ...delivered, delivery: true } : delivered;
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
async function judge(rt: Runtime, ts: TaskState, exitCode: number | undefined): Promise<Settled | FixRound | 'aborted'> {
  await collectSandboxedBranch(rt, ts).catch((error: unknown) =>
    logError(rt, `the sandboxed agent's branch ${ts.branch} was not moved: ${(error as Error).message}`),
  );
  const said = await rt.agent.interpret({ exitCode, ...(ts.output_file ? { outputFile: ts.output_file } : {}) });
  const verified = said.kind === 'finished' ? await verifyRound(rt, ts) : 'deliver';
  if (verified === 'aborted') return 'aborted';
  if (verified === 'fix') return { fixVerify: true };
  const work = said.kind === 'finished' || exitCode === undefined ? await inspectWork(rt, ts) : undefined;
  const { kind: _kind, ...usage } = said;
  const committed =
    exitCode === undefined &&
    work !== undefined &&
    'commitsAhead' in work &&
    ts.commits_at_start !== null &&
    work.commitsAhead > ts.commits_at_start;
  const verdict: AgentVerdict = committed && said.kind === 'failed' ? { kind: 'finished', ...(usage as AgentUsage) } : said;
  const deliveryFailed = verdict.kind === 'finished' && work !== undefined && 'delivery' in work && work.delivery === true;
  return { outcome: decideOutcome(verdict, work), usage: usage as AgentUsage, verdict, ...(deliveryFailed ? { deliveryFailed } : {}) };
}

/** After a failed delivery's backoff: push (unless that commit went out already) and open the pull request, no agent run. */
export async function redeliver(rt: Runtime, ts: TaskState): Promise<Settled> {
  const work = await inspectWork(rt, ts);
  const deliveryFailed = 'delivery' in work && work.delivery === true;
  return { outcome: decideOutcome({ kind: 'finished' }, work), ...(deliveryFailed ? { deliveryFailed } : {}) };
}

/**
 * A run that ended without a result. New commits by this attempt mean the agent got that far, and
 * the agent may still read its output; a failure left after that is the queue's doing, not the
 * agent's (a Pueue daemon restarted under the run kills it), so it is a backend_error.
 */
async function judgeLost(rt: Runtime, ts: TaskState): Promise<Settled | FixRound | 'aborted'> {
  const settled = await judge(rt, ts, undefined);
  if (settled === 'aborted' || 'fixVerify' in settled) return settled;
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
export async function settleRun(rt: Runtime, ts: TaskState, resumed: boolean): Promise<Settled | FixRound | Interrupted> {
  try {
    if (resumed) {
      const current = await withBackend(rt, 'reading the task', (backend) => backend.get(ts.queue_task_id));
      if (current === undefined) return 'gone';
      if (current.attempts < ts.expected_runs) return 'not-started';
    }
    const grace = rt.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    let progress: ProgressWatch | undefined;
    const watcher: RunWatcher | undefined = ts.output_file ? rt.agent.watch?.(ts.output_file) : undefined;
    for (;;) {
      const mark = rt.changes.mark();
      const seen = await observeRun(rt, ts);
      if (seen.state === 'exited') {
        traceStep(ts.subissue, 'exit-seen');
        const judged = await judge(rt, ts, seen.exitCode);
        traceStep(ts.subissue, 'outcome');
        return judged;
      }
      if (seen.state === 'killed') return seen.byUser ? KILLED_BY_USER : failure('agent_error', 'the run was killed by a signal');
      if (seen.state === 'lost') return await judgeLost(rt, ts);
      if (seen.state === 'none') return 'not-started';
      if (rt.control.aborting) {
        await withBackend(rt, 'stopping the run', (backend) => backend.killRun(ts.queue_task_id, grace));
        return 'aborted';
      }
      const startedMs = Date.parse(seen.startedAt) || Date.parse(ts.attempt_started_at ?? '') || rt.now().getTime();
      progress ??= new ProgressWatch(rt, ts, startedMs);
      // The agent's output may already say how the run ends (a refused API key): stop it now.
      const early = await watcher?.check();
      if (early?.kind === 'failed') {
        await withBackend(rt, 'stopping the run', (backend) => backend.killRun(ts.queue_task_id, grace));
        return { outcome: decideOutcome(early, undefined) };
      }
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
      await rt.changes.sleep(rt.control, Math.min(pollDelay(rt.now().getTime() - startedMs), left), mark, 'run');
    }
  } catch (error) {
    return backendFailed(error);
  }
}
