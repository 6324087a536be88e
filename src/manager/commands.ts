import { hasSession, killSession, newSession } from '../adapters/tmux.js';
import { WorkersError } from '../core/errors.js';
import { pollUntil } from '../core/poll.js';
import { runningManagerPid, monitorSessionAlive, stopManager } from './manager-process.js';
import { workerIds } from '../health/manager-state.js';
import { runMonitorLoop } from './monitor-loop.js';
import { managerTmuxOptionsFor, openPool, type ManagerContext } from './pool.js';
import {
  oversubscriptionWarning,
  requestRestart,
  requestScale,
  restartSettled,
  scaleSettled,
  settle,
  verifyPoolWorker,
} from './pool-requests.js';
import { buildStatus, type ManagerStatus } from './status.js';

/** How `start` launches the loop in the monitor session: `node <bin/worker-manager.js> monitor`. */
export interface ManagerLaunch {
  readonly managerBin: string;
  readonly monitorSession: string;
}

export type Say = (line: string) => void;

export async function startManager(context: ManagerContext, launch: ManagerLaunch, say: Say): Promise<void> {
  const tmux = managerTmuxOptionsFor(context.settings);
  const pid = await runningManagerPid(context.paths);
  if (pid !== null || (await monitorSessionAlive(tmux, launch.monitorSession))) {
    say(`The manager is already running${pid === null ? '' : ` (pid ${pid})`}.`);
    return;
  }
  // A leftover session whose loop has exited would make new-session fail.
  if (await hasSession(tmux, launch.monitorSession)) await killSession(tmux, launch.monitorSession);
  await newSession(tmux, launch.monitorSession, {
    argv: [context.launch.nodePath, ...context.launch.nodeFlags, launch.managerBin, 'monitor'],
    env: context.launch.env,
    cwd: context.launch.cwd,
  });
  const started = await pollUntil(async () => (await runningManagerPid(context.paths)) ?? undefined, { timeoutMs: 15_000, intervalMs: 50 });
  if (started !== undefined) {
    say(`Manager started in tmux session ${launch.monitorSession} on its own tmux server (-L ${tmux.socket}, pid ${started}).`);
    return;
  }
  throw new WorkersError('tool', `The manager did not come up in tmux session ${launch.monitorSession}; see ${context.paths.managerLog}.`);
}

/** `monitor` and `start --foreground`: the loop in this process until SIGINT/SIGTERM. */
export async function monitor(context: ManagerContext, signal: AbortSignal): Promise<void> {
  const pid = await runningManagerPid(context.paths);
  if (pid !== null && pid !== process.pid) {
    throw new WorkersError('conflict', `Another manager is already running (pid ${pid}); stop it first with worker-manager stop.`);
  }
  await runMonitorLoop(context, openPool(context), { signal });
}

export async function stop(context: ManagerContext, monitorSession: string, say: Say): Promise<void> {
  const stopped = await stopManager(context.paths, managerTmuxOptionsFor(context.settings), monitorSession);
  say(stopped ? 'Manager stopped; the workers keep running.' : 'The manager was not running.');
}

export const status = (context: ManagerContext): Promise<ManagerStatus> => buildStatus(context, openPool(context));

export async function scale(context: ManagerContext, count: number, force: boolean, say: Say, warn: Say, remember = true): Promise<void> {
  const pool = openPool(context);
  const warning = oversubscriptionWarning(count, undefined, context.settings.WORKER_AGENT_CMD);
  if (warning) warn(warning);
  // Adopt panes tagged by someone else first, so new ids do not collide with them.
  if (await hasSession(pool.tmux, pool.session)) await pool.supervisor.pass();
  const { added, removed } = await requestScale(pool, count, force, remember);
  if (added.length > 0) say(`Starting worker${added.length > 1 ? 's' : ''} ${added.join(', ')}.`);
  if (removed.length > 0)
    say(
      `${force ? 'Stopping' : 'Draining'} worker${removed.length > 1 ? 's' : ''} ${removed.join(', ')}${force ? ' (in-flight tasks requeued)' : ' (each finishes its current task)'}.`,
    );
  let told = false;
  await settle(pool, scaleSettled, {
    onWait: () => {
      if (!told && removed.length > 0 && !force) say('Waiting for the draining workers to finish their tasks...');
      told = true;
    },
  });
  const ids = workerIds(await pool.state.read());
  say(`The pool has ${ids.length} worker${ids.length === 1 ? '' : 's'}${ids.length > 0 ? `: ${ids.join(', ')}` : ''}.`);
}

export async function restart(context: ManagerContext, workerId: number | undefined, force: boolean, say: Say): Promise<void> {
  const pool = openPool(context);
  if (workerId !== undefined) await verifyPoolWorker(pool, workerId);
  else if (!(await hasSession(pool.tmux, pool.session))) {
    throw new WorkersError(
      'conflict',
      `The tmux session ${pool.session} does not exist; start the pool with worker-manager ensure, setup-hybrid-enhanced or worker-manager scale N.`,
    );
  }
  const ids = workerId === undefined ? workerIds(await pool.state.read()) : [workerId];
  // One at a time, so the pool never loses more than one worker's capacity.
  for (const id of ids) {
    const request = await requestRestart(pool, id, force);
    if (request === undefined) continue;
    if (!force) say(`Draining worker ${id} before its restart...`);
    await settle(pool, restartSettled(id, request.startedBefore));
    say(`Worker ${id} restarted.`);
  }
}

/** Lifts the pool-wide usage-limit pause early, so the workers claim again. */
export async function resume(context: ManagerContext, say: Say): Promise<void> {
  const [{ openPoolPause }, { describePause }] = await Promise.all([
    import('../pause/open-pool-pause.js'),
    import('../pause/usage-pause.js'),
  ]);
  const lifted = await openPoolPause({ ...context, env: context.env ?? {} }).lift();
  say(lifted === null ? 'The pool was not paused.' : `Resumed: the pool was ${describePause(lifted)}.`);
}

export interface BudgetRaise {
  readonly usd: number;
  /** `--parent N`: that parent's budget, else today's. */
  readonly parent?: string;
}

/** Parses `--budget USD`: a cost in dollars above 0; anything else is one clear sentence. */
export function parseBudgetUsd(text: string): number {
  const usd = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(usd > 0 && usd <= 100_000))
    throw new WorkersError(
      'usage',
      `--budget takes a cost in US dollars above 0 and at most 100000, such as 25 or 7.5, not ${JSON.stringify(text)}.`,
    );
  return usd;
}

/**
 * `resume --budget USD [--parent N]`: raises today's budget (for today only: a new day starts
 * from BUDGET_DAILY_USD) or a parent's, where every host's workers read it (docs/SPEC.md section 11.1).
 */
export async function raiseBudget(context: ManagerContext, raise: BudgetRaise, say: Say): Promise<void> {
  const [{ openBudgetRaises }, { BudgetGate }, { dayIn, describeBudget, formatUsd }, { openFleetStores }] = await Promise.all([
    import('../pause/budget-raises.js'),
    import('../pause/budget-gate.js'),
    import('../pause/budget.js'),
    import('../health/open-stores.js'),
  ]);
  const env = context.env ?? {};
  const now = () => new Date();
  const raises = openBudgetRaises({ paths: context.paths, settings: context.settings, env, now });
  const stores = openFleetStores({ paths: context.paths, settings: context.settings, env, now });
  try {
    const today = dayIn(now().getTime(), context.settings.BUDGET_TZ);
    if (raise.parent === undefined) await raises.raiseDaily(today, raise.usd);
    else await raises.raiseParent(raise.parent, raise.usd);
    const looks = await new BudgetGate({ history: stores.history, raises, settings: context.settings, now }).looks();
    const look = looks.find((entry) => (raise.parent === undefined ? entry.scope === 'today' : entry.parent === raise.parent));
    const scope =
      raise.parent === undefined ? `Today's budget (${today} in ${context.settings.BUDGET_TZ})` : `The budget of parent #${raise.parent}`;
    say(
      look?.level === 'reached'
        ? `${scope} is now ${formatUsd(raise.usd)}, still reached (${describeBudget(look)}): raise it above the spend.`
        : `${scope} is now ${formatUsd(raise.usd)}${look ? ` (${describeBudget(look)})` : ''}: the workers start new attempts again.`,
    );
  } finally {
    await stores.close();
  }
}
