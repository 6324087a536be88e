import { availableParallelism } from 'node:os';
import { isClaudeCommand } from '../worker/select-agent.js';
import { hasSession } from '../adapters/tmux.js';
import { WorkersError, usageError } from '../core/errors.js';
import { describeValue } from '../core/worker-id.js';
import { entryOf, workerIds, type ManagerState } from '../health/manager-state.js';
import type { Pool } from './pool.js';

/** The largest pool `scale` accepts: tmux panes stay usable, and each worker is a node process. */
export const MAX_POOL_SIZE = 64;

export function parsePoolSize(raw: string): number {
  if (!/^\d{1,6}$/.test(raw) || Number(raw) > MAX_POOL_SIZE) {
    throw usageError(`Invalid worker count ${describeValue(raw)}: use a whole number from 0 to ${MAX_POOL_SIZE}.`);
  }
  return Number(raw);
}

/**
 * Whether the CPU cores bound a pool running `agentCommand`: not for Claude Code, whose workers
 * mostly wait on a remote API (a 2-core machine runs 8 of them well); yes for any other command,
 * which may build and test locally.
 */
export const coresBoundPool = (agentCommand: string) => !isClaudeCommand(agentCommand);

export const oversubscriptionWarning = (count: number, cores = availableParallelism(), agentCommand = 'claude') =>
  coresBoundPool(agentCommand) && count > cores
    ? `${count} workers on ${cores} cores: the command agents will compete for CPU.`
    : undefined;

const activeIds = (state: ManagerState) => workerIds(state).filter((id) => state.workers[String(id)]!.intent !== 'remove');

/**
 * Marks the change in the pool state: new ids (the lowest free) to start, the highest ids to
 * remove. The count is remembered as the pool size unless `remember` is false (shutdown).
 */
export async function requestScale(
  pool: Pool,
  count: number,
  force: boolean,
  remember = true,
): Promise<{ added: number[]; removed: number[] }> {
  return pool.state.update((draft) => {
    if (remember) draft.pool_size = count;
    const active = activeIds(draft);
    const added: number[] = [];
    for (let id = 1; active.length + added.length < count; id += 1) {
      if (draft.workers[String(id)] === undefined) added.push(id);
    }
    const removed = active.slice(count).reverse();
    for (const id of added) entryOf(draft, id).intent = 'start';
    for (const id of removed) Object.assign(entryOf(draft, id), { intent: 'remove', force });
    return { added, removed };
  });
}

export async function requestRestart(pool: Pool, workerId: number, force: boolean): Promise<{ startedBefore: string | null } | undefined> {
  return pool.state.update((draft) => {
    const entry = draft.workers[String(workerId)];
    if (entry === undefined || entry.intent === 'remove') return undefined;
    Object.assign(entry, { intent: 'restart', force, drain_requested_at: null });
    return { startedBefore: entry.started_at };
  });
}

export async function verifyPoolWorker(pool: Pool, workerId: number): Promise<void> {
  if (!(await hasSession(pool.tmux, pool.session))) {
    throw new WorkersError(
      'conflict',
      `The tmux session ${pool.session} does not exist; start the pool with worker-manager ensure, setup-hybrid-enhanced or worker-manager scale N.`,
    );
  }
  if ((await pool.state.read()).workers[String(workerId)] === undefined) {
    await pool.supervisor.pass();
    if ((await pool.state.read()).workers[String(workerId)] === undefined) {
      throw new WorkersError('not-found', `There is no worker ${workerId} in the pool; see worker-manager status.`);
    }
  }
}

/**
 * Runs passes until `done` holds for the pool state (a running manager may do some of them: the
 * pass lock keeps them one at a time). Wakes on the death-event file through the poll interval.
 */
export async function settle(
  pool: Pool,
  done: (state: ManagerState) => boolean,
  options: { pollMs?: number; onWait?: (state: ManagerState) => void } = {},
): Promise<void> {
  for (;;) {
    await pool.supervisor.pass();
    const state = await pool.state.read();
    if (done(state)) return;
    options.onWait?.(state);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

export const scaleSettled = (state: ManagerState) => Object.values(state.workers).every((entry) => entry.intent === 'run');

export const restartSettled = (workerId: number, startedBefore: string | null) => (state: ManagerState) => {
  const entry = state.workers[String(workerId)];
  return entry === undefined || (entry.intent === 'run' && entry.started_at !== startedBefore);
};
