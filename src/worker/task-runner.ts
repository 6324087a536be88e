import { describePause } from '../pause/usage-pause.js';
import type { QueueTask } from '../queue/backend.js';
import { blockerName } from '../queue/task-rules.js';
import { retryCapMs, retryDelayMs } from './backoff.js';
import { nextStep, type AttemptOutcome } from './outcome.js';
import { recheckBlockers } from './claim-blockers.js';
import { budgetInForce, budgetLine, pauseInForce } from './pause-in-force.js';
import { recordFinal, usageFields } from './record-outcome.js';
import { redeliver, settleRun, startAttempt, type Settled } from './run-attempt.js';
import { describeRunOutput } from './run-output-tail.js';
import { logError, saveState, withBackend, type Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';
import { taskPlace } from './worktree.js';

/** A task whose parent's budget is reached goes back to the queue for this long (a raise is seen then). */
const PARENT_BUDGET_WAIT_MS = 60_000;

/** How handling a task ended for the loop: finished (or vanished), handed back, or aborted. */
export type TaskEnd = 'finished' | 'requeued' | 'aborted';

export function newTaskState(rt: Runtime, task: QueueTask): TaskState {
  const place = taskPlace(rt.repo, task.subissue, task.parent);
  return {
    queue_task_id: task.id,
    subissue: task.subissue,
    parent: task.parent,
    repo: rt.repo,
    worktree: place.worktree,
    branch: place.branch,
    base_branch: rt.baseBranch,
    phase: 'preparing',
    attempt: task.attempts + 1,
    started_at: rt.now().toISOString(),
    attempt_started_at: null,
    retry_at: null,
    output_file: null,
    commits_at_start: null,
    session_id: null,
    session_worker: null,
    resumed: false,
    stalled_attempts: 0,
    last_error_class: null,
    last_error: null,
    expected_runs: 0,
    final: null,
    issue: null,
    kind: task.kind ?? null,
    followup_data: null,
    recorded: false,
    branch_checked: false,
    pushed_commit: null,
    delivery: null,
    setup_done: false,
    verify: null,
  };
}

/**
 * Decides what follows an attempt and moves the task to `backoff` or `recording`; a usage limit
 * pauses the pool and hands the task back instead (`requeued`).
 */
async function afterAttempt(rt: Runtime, ts: TaskState, settled: Settled): Promise<'requeued' | undefined> {
  const { outcome, verdict } = settled;
  // The session is unknown to the agent (its transcript was cleaned up, another host ran it): the
  // same attempt starts again at once in a new session, with the full prompt; not a failed attempt.
  // Only after a resume (`resumed`), so a new session can never loop here.
  if (verdict?.kind === 'failed' && verdict.resumeFailed && ts.resumed && ts.session_id !== null) {
    await startAfresh(rt, ts, ts.session_id);
    return undefined;
  }
  if (verdict?.kind === 'failed' && verdict.resumeFailed) Object.assign(ts, { session_id: null, session_worker: null, resumed: false });
  if (outcome.kind === 'failure') {
    await logError(
      rt,
      `task ${ts.subissue} attempt ${ts.attempt}: ${outcome.errorClass}: ${outcome.message}${await describeRunOutput(ts.output_file)}`,
    );
  }
  if (outcome.kind === 'failure' && outcome.errorClass === 'usage_limit') {
    await pausePool(rt, ts, settled);
    await handBack(rt, ts, Math.max(0, ts.attempt - 1), 'usage limit: dispatch paused');
    return 'requeued';
  }
  if (outcome.kind === 'failure' && outcome.errorClass === 'auth_error') await holdForPerson(rt, ts, outcome.message);
  // A delivery that failed after the agent finished is retried on its own (docs/SPEC.md section 14.1).
  const delivering = settled.deliveryFailed === true || ts.delivery !== null;
  const step = delivering
    ? nextStep(outcome, (ts.delivery?.tries ?? 0) + 1, rt.settings.MAX_RETRIES)
    : nextStep(stallLadder(rt, ts, outcome), ts.attempt, rt.settings.MAX_RETRIES);
  if (step.kind === 'retry' && outcome.kind === 'failure' && delivering) {
    ts.delivery = { tries: (ts.delivery?.tries ?? 0) + 1, usage: ts.delivery?.usage ?? usageFields(settled.usage) };
  }
  if (step.kind === 'retry' && outcome.kind === 'failure') {
    const delay = retryDelayMs(ts.attempt, rt.settings.RETRY_DELAY, retryCapMs(rt.settings.RETRY_DELAY), rt.random);
    Object.assign(ts, {
      phase: 'backoff',
      retry_at: new Date(rt.now().getTime() + delay).toISOString(),
      last_error_class: outcome.errorClass,
      last_error: outcome.message,
    });
    rt.heartbeat.setStatus('recovering');
    rt.say(
      ts.delivery
        ? `task ${ts.subissue}: the agent's work is committed; delivering it again in ${Math.round(delay)} ms (try ${ts.delivery.tries + 1} of ${rt.settings.MAX_RETRIES})`
        : `task ${ts.subissue}: retrying in ${Math.round(delay)} ms (attempt ${ts.attempt + 1} of ${rt.settings.MAX_RETRIES})`,
    );
  } else if (step.kind === 'finish') {
    // Work whose verification never passed is delivered (a draft pull request in GitHub mode:
    // `unverified`, which the pool never counts ready or merges) but not done.
    const unverified = step.status === 'done' && ts.verify !== null && !ts.verify.passed;
    ts.phase = 'recording';
    ts.final = {
      status: unverified ? (rt.github ? 'unverified' : 'review') : step.status,
      error: unverified
        ? `unverified: \`${rt.settings.WORKER_VERIFY_CMD.trim()}\` failed after ${ts.verify!.rounds} round(s)`
        : (step.error ?? null),
      error_class: outcome.kind === 'failure' && step.status === 'failed' ? outcome.errorClass : null,
      ended_at: rt.now().toISOString(),
      usage: ts.delivery?.usage ?? usageFields(settled.usage),
      pull_request: outcome.kind === 'success' ? (outcome.pullRequest ?? null) : null,
    };
  }
  // An outcome judged from the run's own result is not saved on its own: recordFinal saves it
  // with `recorded`, and a restart before that reads the same result and judges the same. Any
  // other outcome (timeout, a run killed or lost, a backend failure) is saved here.
  if (ts.phase !== 'recording' || settled.verdict === undefined) await saveState(rt, ts);
  return undefined;
}

/** The ladder's last step: after STALL_MAX_RETRIES stalled attempts the task fails for a person. */
function stallLadder(rt: Runtime, ts: TaskState, outcome: AttemptOutcome): AttemptOutcome {
  if (outcome.kind !== 'failure' || outcome.errorClass !== 'stalled') return outcome;
  ts.stalled_attempts += 1;
  if (ts.stalled_attempts < rt.settings.STALL_MAX_RETRIES) return outcome;
  return { ...outcome, retry: false, message: `${outcome.message}; ${ts.stalled_attempts} stalled attempt(s) reached STALL_MAX_RETRIES` };
}

/** One worker's usage limit stops dispatch for every worker until the reset (plus jitter). */
async function pausePool(rt: Runtime, ts: TaskState, settled: Settled): Promise<void> {
  const verdict = settled.verdict?.kind === 'failed' ? settled.verdict : undefined;
  const pause = await rt.pause.pauseFor({
    ...(verdict?.resetsAt ? { resetsAt: new Date(verdict.resetsAt) } : {}),
    ...(verdict?.limitType ? { limitType: verdict.limitType } : {}),
    source: `worker-${rt.workerId}`,
    message: verdict?.message ?? 'usage limit reached',
  });
  await rt.events.log('ALERT', `Worker ${rt.workerId} hit a usage limit on task ${ts.subissue}: dispatch ${describePause(pause)}.`);
}

/** An authentication failure needs a person: no worker claims until one logs in and lifts the hold. */
async function holdForPerson(rt: Runtime, ts: TaskState, message: string): Promise<void> {
  await rt.pause.holdForPerson({ source: `worker-${rt.workerId}`, message });
  await rt.events.log(
    'ALERT',
    `Worker ${rt.workerId}: authentication failed on task ${ts.subissue} (${message}); every worker stopped claiming. Log in again, then run worker-manager resume.`,
  );
}

/** `delayMs`: what is left of a backoff, so that no worker (of any host, on postgres) retries it early. */
async function handBack(rt: Runtime, ts: TaskState, attempts: number, reason: string, delayMs = 0): Promise<void> {
  await withBackend(rt, 'requeueing the task', (backend) => backend.requeue(ts.queue_task_id, { error: reason, attempts, delayMs }));
  rt.say(`task ${ts.subissue} went back to the queue (${reason})`);
  await saveState(rt, null);
}

/**
 * Takes one claimed task to its end, phase by phase, saving the state at every transition.
 * `resume` is the state a previous run of this worker left for the same task: the worker then
 * re-attaches to a run still going, takes the result of one that finished, or goes on waiting.
 */
export async function processTask(rt: Runtime, task: QueueTask, resume: TaskState | null): Promise<TaskEnd> {
  const ts = resume ?? newTaskState(rt, task);
  // A task handed back earlier (usage limit, stop) continues its last session, whoever takes it up.
  const stored = resume === null && rt.settings.CLAUDE_RESUME ? await rt.sessions.recall(task.id, task.subissue) : undefined;
  if (stored) Object.assign(ts, { session_id: stored.sessionId, session_worker: stored.workerId });
  let resumed = resume !== null;
  let blockersRechecked = false;
  // A fresh task is not saved yet: until its run starts, the backend's claim alone is enough to resume it.
  rt.heartbeat.set({ status: ts.phase === 'backoff' ? 'recovering' : 'working', task: ts.subissue, taskStartedAt: ts.started_at });
  for (;;) {
    if (ts.phase === 'recording') {
      await recordFinal(rt, ts, resume !== null);
      return 'finished';
    }
    if (ts.phase === 'backoff') {
      if (rt.control.stopping) {
        const left = Math.max(0, Date.parse(ts.retry_at ?? '') - rt.now().getTime());
        await handBack(rt, ts, ts.attempt, 'the worker was stopped before retrying', Number.isFinite(left) ? left : 0);
        return 'requeued';
      }
      await rt.control.sleep(Date.parse(ts.retry_at ?? '') - rt.now().getTime());
      if (rt.control.stopping) continue;
      if (ts.delivery !== null) {
        rt.heartbeat.setStatus('working');
        if ((await afterAttempt(rt, ts, await redeliver(rt, ts))) === 'requeued') return 'requeued';
        continue;
      }
      Object.assign(ts, { phase: 'preparing', attempt: ts.attempt + 1 });
      rt.heartbeat.setStatus('working');
      await saveState(rt, ts);
      continue;
    }
    if (ts.phase === 'preparing' && (await pauseInForce(rt))) {
      await handBack(rt, ts, Math.max(0, ts.attempt - 1), 'dispatch is paused');
      return 'requeued';
    }
    const budget = ts.phase === 'preparing' ? await budgetInForce(rt, ts.parent) : null;
    if (budget) {
      rt.say(budgetLine(budget));
      // A parent's budget stops only its tasks: this one waits a while so others can be claimed.
      await handBack(rt, ts, Math.max(0, ts.attempt - 1), 'budget reached', budget.scope === 'parent' ? PARENT_BUDGET_WAIT_MS : 0);
      return 'requeued';
    }
    // A fresh claim reads its blockers again (docs/SPEC.md section 8.5): not an attempt, not a failure.
    if (ts.phase === 'preparing' && resume === null && !blockersRechecked) {
      blockersRechecked = true;
      const decision = await recheckBlockers(rt, ts);
      if (decision.kind === 'blocked') {
        await withBackend(rt, 'marking the task blocked', (backend) => backend.setBlockers(ts.queue_task_id, decision.blockers));
        await handBack(rt, ts, Math.max(0, ts.attempt - 1), `blocked by ${decision.blockers.map(blockerName).join(', ')}`);
        return 'requeued';
      }
      if (decision.kind === 'stack') {
        rt.say(`task ${ts.subissue}: stacked on #${decision.blocker}'s pull request #${decision.pr}: starting from ${decision.branch}`);
        ts.base_branch = decision.branch;
      }
    }
    const result = ts.phase === 'preparing' ? await startAttempt(rt, ts) : await settleRun(rt, ts, resumed);
    resumed = false;
    if (result === 'started') continue;
    if (result === 'gone') {
      rt.say(`task ${ts.subissue} was removed from the queue; dropping it`);
      await saveState(rt, null);
      return 'finished';
    }
    if (result === 'not-started') {
      ts.phase = 'preparing';
      await saveState(rt, ts);
      continue;
    }
    if (result === 'aborted') {
      await handBack(rt, ts, Math.max(0, ts.attempt - 1), 'the worker was interrupted');
      return 'aborted';
    }
    if ('fixVerify' in result) {
      await startFixRound(rt, ts);
      continue;
    }
    if ((await afterAttempt(rt, ts, result)) === 'requeued') return 'requeued';
  }
}

/** The attempt runs again under the same number in a new session (a resumed session the agent did not know). */
async function startAfresh(rt: Runtime, ts: TaskState, unknownSession: string): Promise<void> {
  rt.say(`task ${ts.subissue}: the agent has no session ${unknownSession} any more; attempt ${ts.attempt} starts a new one`);
  await rt.sessions.forgetFinished(ts.subissue, unknownSession);
  Object.assign(ts, { phase: 'preparing', session_id: null, session_worker: null, resumed: false, output_file: null });
  await saveState(rt, ts);
}

/** The agent's next round, at once: it continues its session with the verification's output (docs/SPEC.md section 15.3). */
async function startFixRound(rt: Runtime, ts: TaskState): Promise<void> {
  Object.assign(ts, { phase: 'preparing', attempt: ts.attempt + 1, last_error_class: null, last_error: null });
  await saveState(rt, ts);
}
