import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AgentUsage, AgentVerdict } from '../agent/agent-adapter.js';
import type { RunObservation } from '../queue/backend.js';
import { ensureCleanOperation, getCommitsAhead } from '../adapters/git.js';
import { ensurePullRequest } from '../adapters/github/gh.js';
import { formatDuration } from '../core/duration.js';
import { ensureDirSync } from '../core/fs-safe.js';
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

const failure = (errorClass: 'worktree_error' | 'backend_error' | 'agent_error' | 'timeout' | 'stalled', message: string): Settled => ({
  outcome: { kind: 'failure', errorClass, message, retry: true },
});

/** `worker-queue kill`: the task ends failed, never retried. */
const KILLED_BY_USER: Settled = { outcome: { kind: 'failure', errorClass: 'agent_error', message: 'killed by the user', retry: false } };

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
    const outputFile = runOutputFile(rt.paths, rt.workerId, current, ts.attempt);
    ensureDirSync(dirname(outputFile));
    // An attempt handed back without counting (usage limit) runs again under the same number.
    await rename(outputFile, `${outputFile}.${rt.now().getTime()}.earlier`).catch(() => undefined);
    const resumeSessionId = rt.settings.CLAUDE_RESUME && ts.session_id ? ts.session_id : undefined;
    const sessionWorker = resumeSessionId ? (ts.session_worker ?? rt.workerId) : rt.workerId;
    const prepared = rt.agent.prepare(factsOf(rt, ts), { outputFile, ...(resumeSessionId ? { resumeSessionId, resumeWorkerId: sessionWorker } : {}) });
    Object.assign(ts, {
      phase: 'running',
      expected_runs: current.attempts + 1,
      attempt_started_at: rt.now().toISOString(),
      output_file: outputFile,
      session_id: prepared.sessionId ?? ts.session_id,
      session_worker: prepared.sessionId ? sessionWorker : ts.session_worker,
      resumed: ts.resumed || resumeSessionId !== undefined,
    });
    await saveState(rt, ts);
    if (prepared.sessionId) await rt.sessions.remember(ts.queue_task_id, ts.subissue, { sessionId: prepared.sessionId, workerId: sessionWorker });
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
    const withPr = rt.ghReady && commitsAhead > 0 ? await ensurePullRequest(ts.worktree, ts.branch, ts.base_branch) : false;
    return { ghReady: rt.ghReady, hasPullRequest: withPr, commitsAhead };
  } catch (error) {
    return { inspectError: error instanceof Error ? error.message : String(error) };
  }
}

async function judge(rt: Runtime, ts: TaskState, exitCode: number): Promise<Settled> {
  const verdict = await rt.agent.interpret({ exitCode, ...(ts.output_file ? { outputFile: ts.output_file } : {}) });
  const work = verdict.kind === 'finished' ? await inspectWork(rt, ts) : undefined;
  const { kind: _kind, ...usage } = verdict;
  return { outcome: decideOutcome(verdict, work), usage: usage as AgentUsage, verdict };
}

/** The backend re-reads a run's result after finding its process gone, so `lost` is final here. */
const observeRun = (rt: Runtime, ts: TaskState): Promise<RunObservation> =>
  withBackend(rt, 'observing the run', (backend) => backend.observeRun(ts.queue_task_id));

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
      // Not the agent's doing: the queue lost the run (a Pueue daemon restarted under it kills it).
      if (seen.state === 'lost') return failure('backend_error', `the run was lost without a result: the ${rt.backendNow.name === 'pueue' ? 'Pueue daemon was restarted under it' : "runner's process is gone"}`);
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
