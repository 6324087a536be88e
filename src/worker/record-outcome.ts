import type { AgentUsage } from '../agent/agent-adapter.js';
import { withErrorClass } from '../core/error-text.js';
import { existsSync } from 'node:fs';
import { getCommitsAhead, getCommitsOnNoBranch, getWorktreeLeftovers } from '../adapters/git.js';
import { compressLargeOutputs } from './compress-run-output.js';
import { runOutputFile, saveState, withBackend, type Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';
import { removeTaskWorktree } from './worktree.js';
import { traceStep } from '../core/step-trace.js';

const RESULT_OF = { done: 'success', review: 'review', failed: 'failed', cancelled: 'cancelled', unverified: 'unverified' } as const;

/** The agent's usage facts under the history record's names. */
export function usageFields(usage: AgentUsage | undefined): Record<string, string | number> {
  const fields: Record<string, string | number | undefined> = {
    session_id: usage?.sessionId,
    cost_usd: usage?.costUsd,
    input_tokens: usage?.inputTokens,
    output_tokens: usage?.outputTokens,
    num_turns: usage?.numTurns,
  };
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string | number] => entry[1] !== undefined));
}

/**
 * Records a finished task once: history record and health counters (guarded by `recorded`, so a
 * restart in the middle does not count it twice), then the backend's status; the worktree goes
 * meanwhile, unless a failure left commits on the branch: then it is kept and named. (Removing
 * it first loses nothing: the branch holds the work, and a restart decides the outcome from the
 * branch, not from the worktree.)
 */
export async function recordFinal(rt: Runtime, ts: TaskState, resumed: boolean): Promise<void> {
  const final = ts.final!;
  const keep = await keepReason(rt, ts);
  if (keep !== undefined)
    rt.say(`task ${ts.subissue} ${ENDED[final.status]}; its worktree is kept at ${ts.worktree} (branch ${ts.branch}): ${keep}`);
  traceStep(ts.subissue, 'record-start');
  await allDone([
    keep !== undefined ? Promise.resolve() : removeTaskWorktree(rt.repo, ts.worktree).then(() => traceStep(ts.subissue, 'removed')),
    recordAndFinish(rt, ts, resumed),
  ]);
  // Kept for a follow-up on the task's pull request (docs/SPEC.md section 14.3).
  await rt.sessions.retire(ts.queue_task_id, { worktree: ts.worktree, branch: ts.branch });
  await compressOutputs(rt, ts);
  rt.say(
    `task ${ts.subissue} (parent ${ts.parent}): ${RESULT_OF[final.status]} after ${ts.attempt} attempt(s)${final.error ? `: ${final.error}` : ''}`,
  );
  await saveState(rt, null);
  traceStep(ts.subissue, 'end');
}

const ENDED = {
  done: 'ended done',
  review: 'ended review',
  failed: 'failed',
  cancelled: 'was cancelled',
  unverified: 'ended unverified',
} as const;

/**
 * Why the worktree stays, as gc would keep it: work in it that no branch holds (uncommitted
 * edits, commits on a detached HEAD), or a failure's commits on the branch. Undefined: it may go.
 */
async function keepReason(rt: Runtime, ts: TaskState): Promise<string | undefined> {
  if (!existsSync(ts.worktree)) return undefined;
  const { dirty, detached } = await getWorktreeLeftovers(ts.worktree).catch(() => ({ dirty: false, detached: true }));
  if (dirty) return 'it has uncommitted changes';
  const stray = detached ? await getCommitsOnNoBranch(ts.worktree).catch(() => 0) : 0;
  if (stray > 0) return `${stray} commit(s) on its HEAD are on no branch`;
  if (
    (ts.final!.status === 'failed' || ts.final!.status === 'cancelled') &&
    (await getCommitsAhead(rt.repo, ts.base_branch, ts.branch).catch(() => 0)) > 0
  )
    return 'its commits are not pushed';
  return undefined;
}

/** The outcome is recorded and nothing reads the attempts' output any more: large ones are gzipped (LOG_MAX_BYTES). */
async function compressOutputs(rt: Runtime, ts: TaskState): Promise<void> {
  const files = Array.from({ length: ts.attempt }, (_, index) => runOutputFile(rt, ts, index + 1));
  await compressLargeOutputs(files, rt.settings.LOG_MAX_BYTES).catch((error: unknown) =>
    rt.say(`task ${ts.subissue}: its output files were left uncompressed: ${error instanceof Error ? error.message : String(error)}`),
  );
}

async function recordAndFinish(rt: Runtime, ts: TaskState, resumed: boolean): Promise<void> {
  const final = ts.final!;
  const recordedNow = !ts.recorded;
  if (recordedNow) {
    // A worker killed between appending the record and saving `recorded` finds its record on
    // resume. The completion counted beside it may or may not have been made: the history counts.
    const found = resumed && (await rt.history.hasRecord({ task_id: ts.subissue, worker_id: rt.workerId, started_at: ts.started_at }));
    if (!found) {
      // A task whose lease ran out has moved on: its outcome is the new holder's to record.
      await withBackend(
        rt,
        'confirming the lease',
        (backend) => backend.capabilities.leases?.confirmLease(ts.queue_task_id) ?? Promise.resolve(),
      );
      await appendAndCount(rt, ts);
      traceStep(ts.subissue, 'recorded');
    }
    ts.recorded = true;
  }
  // Independent of each other: a restart after `finish` drops the state (the task is no longer
  // this worker's to resume), and one before it finds `recorded` or records again.
  await allDone([
    recordedNow ? saveState(rt, ts) : Promise.resolve(),
    withBackend(rt, 'finishing the task', (backend) =>
      // The queue knows no `unverified`: such a task waits there for a person, as `review`.
      backend.finish(ts.queue_task_id, {
        status: final.status === 'unverified' ? 'review' : final.status,
        ...(final.error ? { error: final.error } : {}),
      }),
    )
      .then(() => traceStep(ts.subissue, 'finished'))
      .then(() => (final.status === 'done' && !final.pull_request ? releaseDependants(rt, ts) : undefined)),
  ]);
}

/**
 * A task done without a pull request (queued by hand) has landed: the tasks waiting on it are
 * released now, not at the manager's next pass (docs/SPEC.md section 8.5). One with a pull
 * request waits for its merge, which the manager's watcher sees.
 */
async function releaseDependants(rt: Runtime, ts: TaskState): Promise<void> {
  const { releaseBlockers } = await import('../queue/blockers.js');
  const changes = await withBackend(rt, 'releasing the tasks waiting on it', (backend) =>
    releaseBlockers(backend, { landed: (task) => task.id === ts.queue_task_id }),
  );
  for (const change of changes)
    if (change.remaining.length === 0) rt.say(`task ${change.task.subissue} no longer waits on ${ts.subissue}: it may start`);
}

async function appendAndCount(rt: Runtime, ts: TaskState): Promise<void> {
  const final = ts.final!;
  const record = {
    version: 1 as const,
    task_id: ts.subissue,
    parent: ts.parent,
    worker_id: rt.workerId,
    attempts: ts.attempt,
    started_at: ts.started_at,
    ended_at: final.ended_at,
    result: RESULT_OF[final.status],
    error_class: final.error_class,
    error: final.error,
    backend: rt.backendNow.name,
    ...final.usage,
    ...(ts.resumed ? { resumed: true } : {}),
    ...(final.pull_request ? { pr_number: final.pull_request.number, pr_url: final.pull_request.url } : {}),
    ...(ts.verify ? { verified: ts.verify.passed, verify_rounds: ts.verify.rounds } : {}),
  };
  // A run a person cancelled is not the worker's success or failure: its counters stay as they are.
  const counted = final.status === 'cancelled' ? Promise.resolve() : rt.health.complete(rt.workerId, final.status === 'done');
  await Promise.all([rt.history.append(record, rt.now()), counted]);
  // Once per task, beside its record. An authentication failure has had its ALERT with the hold.
  if (final.status === 'failed' && final.error_class !== 'auth_error') {
    await rt.events.log(
      'ALERT',
      `Worker ${rt.workerId}: task ${ts.subissue} (parent ${ts.parent}) failed for good after ${ts.attempt} attempt(s): ${withErrorClass(final.error_class ?? 'failed', final.error ?? 'no reason given')}.`,
    );
  }
}

/** Like Promise.all, but rejects only once every step has ended (the state is then settled). */
async function allDone(steps: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(steps)).find((step): step is PromiseRejectedResult => step.status === 'rejected');
  if (failed) throw failed.reason;
}
