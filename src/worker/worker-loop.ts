import { closeProxies, openAgentProxy } from './sandbox-network.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openHealthLog } from '../health/health-service.js';
import { checkDiskFloor } from '../pause/disk-floor.js';
import { openPullWatchStore } from '../github/pull-request-watcher.js';
import { reviewWait } from '../github/review-capacity.js';
import { BudgetGate } from '../pause/budget-gate.js';
import { openBudgetRaises } from '../pause/budget-raises.js';
import { openPoolPause } from '../pause/open-pool-pause.js';
import { describePause } from '../pause/usage-pause.js';
import { drainFile } from './control.js';
import { Heartbeat } from './heartbeat.js';
import { LeaseContact, renewingLeases } from './lease-renewal.js';
import type { EventLog } from '../core/event-log.js';
import { logError, saveState, withBackend, type Runtime, type WorkerDeps } from './runtime.js';
import { QueueChanges } from './queue-changes.js';
import { budgetInForce, budgetLine, pauseInForce } from './pause-in-force.js';
import { processTask } from './task-runner.js';
import { TaskSessions } from './task-sessions.js';
import { openWorkerState } from './worker-state.js';
import { traceStep } from '../core/step-trace.js';

const IDLE_POLL_MS = 250;
/** An idle worker reads the spend (the whole history) at most this often; its own records refresh it at once. */
const BUDGET_CACHE_MS = 1000;

/** A shared database is woken by NOTIFY; its poll is the slow safety net (POSTGRES_POLL_INTERVAL). */
const idlePollOf = (deps: WorkerDeps) => deps.idlePollMs ?? deps.backend.capabilities.idlePollMs ?? IDLE_POLL_MS;

/**
 * A worker on a backend with leases watches its contact with the database: past its lease without
 * one it starts no new work (ALERT); a run in progress goes on, and its result is recorded only if
 * the task is still this worker's by then (the fencing token decides).
 */
function leaseContactOf(deps: WorkerDeps, events: EventLog): LeaseContact | undefined {
  const leaseMs = deps.backend.capabilities.leases?.leaseMs;
  if (leaseMs === undefined) return undefined;
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  return new LeaseContact(leaseMs, deps.now, {
    lost: (outageMs) => {
      const message = `Worker ${deps.workerId} has not reached the database for ${seconds(outageMs)}, longer than its lease (${seconds(leaseMs)}): it starts no new work until the database is back; a run in progress goes on, and its result counts only if the task is still this worker's then.`;
      deps.say(message);
      void events.log('ALERT', message).catch(() => undefined);
    },
    back: (outageMs) => {
      const message = `Worker ${deps.workerId} reaches the database again after ${seconds(outageMs)}; it claims again.`;
      deps.say(message);
      void events.log('INFO', message).catch(() => undefined);
    },
  });
}

/** The review wait in force (MAX_OPEN_PRS), or null; a record that cannot be read holds nothing. */
async function reviewsInForce(rt: Runtime): Promise<string | null> {
  if (rt.settings.MAX_OPEN_PRS === 0) return null;
  const file = await openPullWatchStore(rt.paths)
    .read()
    .catch(() => ({ pulls: {} }));
  return reviewWait(file, rt.settings.MAX_OPEN_PRS);
}

/**
 * The worker: heartbeats on their own timer, claims tasks one at a time (waiting with a ~250 ms
 * poll, POSTGRES_POLL_INTERVAL on postgres, while the queue is empty, woken at once by a queue change where the backend reports them),
 * takes each to its end, and stops when asked (see control.ts).
 * A task the previous run of this worker left in its state file is taken up first: the backend
 * hands a worker back the task it already holds. Resolves to the exit code.
 */
export async function runWorker(deps: WorkerDeps): Promise<number> {
  const events = openHealthLog(deps.paths, deps.now);
  const contact = leaseContactOf(deps, events);
  const heartbeat = new Heartbeat(
    renewingLeases(deps.health, deps.backend, deps.workerId, contact),
    deps.workerId,
    deps.settings.HEARTBEAT_INTERVAL,
    (message) => deps.say(message),
  );
  const rt: Runtime = {
    ...deps,
    backendNow: deps.backend,
    heartbeat,
    stateFile: openWorkerState(deps.paths, deps.workerId, deps.settings.LOCK_STALE_TIMEOUT, deps.now),
    pause: openPoolPause({
      paths: deps.paths,
      now: deps.now,
      random: deps.random,
      jitterMaxMs: deps.settings.USAGE_PAUSE_JITTER,
      lockStaleMs: deps.settings.LOCK_STALE_TIMEOUT,
      settings: deps.settings,
      env: {},
      database: deps.backend.capabilities.database,
    }),
    budget: new BudgetGate({
      history: deps.history,
      raises: openBudgetRaises({
        paths: deps.paths,
        settings: deps.settings,
        env: {},
        now: deps.now,
        ...(deps.backend.capabilities.database ? { database: deps.backend.capabilities.database } : {}),
      }),
      settings: deps.settings,
      now: deps.now,
      cacheMs: BUDGET_CACHE_MS,
    }),
    sessions: new TaskSessions(deps.paths, deps.settings.LOCK_STALE_TIMEOUT, deps.now),
    events,
    changes: new QueueChanges(),
  };
  const diskFloor = {
    paths: deps.paths,
    dirs: [join(deps.repo, '.worktrees'), deps.repo, deps.paths.root],
    minFree: deps.settings.MIN_FREE_DISK,
    events: rt.events,
    now: deps.now,
    who: `Worker ${deps.workerId}`,
    budget: { dir: join(deps.repo, '.worktrees'), maxBytes: deps.settings.WORKTREES_MAX_BYTES },
  };
  heartbeat.start();
  await rt.changes.start(deps.backend);
  await openAgentProxy(rt);
  rt.say(
    `worker ${deps.workerId} started (backend ${deps.backend.name}, agent ${deps.agent.name}, repo ${deps.repo}, base ${deps.baseBranch})`,
  );
  try {
    // A task in flight when this worker last stopped is taken up even when told to stop or drain.
    let pending = (await rt.stateFile.read()).task;
    await saveState(rt, pending);
    let announcedIdle = false;
    let announcedPause: string | null = null;
    const idlePollMs = idlePollOf(deps);
    for (;;) {
      if (deps.control.closed && pending === null) break;
      // Taken before the pause and the queue are looked at: a change after it cuts the wait short.
      const mark = rt.changes.mark();
      // The pool-wide pause is checked before every claim (a task this worker already holds is
      // taken up, and handed back before a new run if the pause holds): a paused worker idles,
      // its heartbeats go on.
      const disk = pending === null ? await checkDiskFloor(diskFloor) : null;
      if (disk !== null) {
        if (announcedPause !== 'disk') {
          heartbeat.set({ status: 'idle' });
          rt.say(`paused: disk (${disk}): not claiming`);
          announcedPause = 'disk';
        }
        await deps.control.sleep(idlePollMs);
        continue;
      }
      if (pending === null && contact?.cutOff) {
        if (announcedPause !== 'database') {
          heartbeat.set({ status: 'idle' });
          announcedPause = 'database';
        }
        await deps.control.sleep(idlePollMs);
        continue;
      }
      const pause = pending === null ? await pauseInForce(rt) : null;
      if (pause) {
        if (announcedPause !== pause.until) {
          heartbeat.set({ status: 'idle' });
          rt.say(`dispatch ${describePause(pause)}, set by ${pause.source}: not claiming`);
          announcedPause = pause.until;
        }
        // A lifted pause is notified on a shared database (hw_pause): the wait ends at once.
        await rt.changes.sleep(deps.control, Math.min(idlePollMs, Date.parse(pause.until) - deps.now().getTime()), mark);
        continue;
      }
      // A reached budget (docs/SPEC.md section 11.1) starts nothing new; a task this worker holds is
      // taken up and handed back before its next attempt.
      const budget = pending === null ? await budgetInForce(rt) : null;
      if (budget) {
        const line = budgetLine(budget);
        if (announcedPause !== line) {
          heartbeat.set({ status: 'idle' });
          rt.say(line);
          announcedPause = line;
        }
        // A raise is notified on a shared database (hw_pause): the wait ends at once.
        await rt.changes.sleep(deps.control, idlePollMs, mark);
        continue;
      }
      // MAX_OPEN_PRS: no new task while too many pull requests wait for a review (section 14.4).
      const reviews = pending === null ? await reviewsInForce(rt) : null;
      if (reviews) {
        if (announcedPause !== reviews) {
          heartbeat.set({ status: 'idle' });
          rt.say(`dispatch held, ${reviews}: not claiming`);
          announcedPause = reviews;
        }
        await rt.changes.sleep(deps.control, idlePollMs, mark);
        continue;
      }
      if (announcedPause !== null) rt.say('dispatch resumed');
      announcedPause = null;
      traceStep('-', 'claim-start');
      const task = await withBackend(
        rt,
        'claiming a task',
        (backend) => backend.claim(deps.workerId, deps.taskRepo === undefined ? {} : { repo: deps.taskRepo }),
        true,
      ).catch(() => undefined);
      if (task) traceStep(task.subissue, 'claimed');
      if (task === undefined) {
        pending = null;
        if (!announcedIdle) {
          heartbeat.set({ status: 'idle' });
          await saveState(rt, null);
          announcedIdle = true;
        }
        if (!deps.control.closed) await rt.changes.sleep(deps.control, idlePollMs, mark);
        continue;
      }
      announcedIdle = false;
      const resume = pending?.queue_task_id === task.id && pending.repo === deps.repo ? pending : null;
      pending = null;
      rt.say(
        resume
          ? `re-attaching to task ${task.subissue} (attempt ${resume.attempt}, ${resume.phase})`
          : `claimed task ${task.subissue} (parent ${task.parent})`,
      );
      const end = await processTask(rt, task, resume).catch(async (error: unknown) => {
        await logError(rt, `task ${task.subissue}: ${(error as Error).message}`);
        await deps.control.sleep(Math.max(deps.settings.RETRY_DELAY, 250));
        return 'error' as const;
      });
      rt.budget.forget();
      // After an unexpected error the state file still holds the task: resume from it.
      if (end === 'error') pending = (await rt.stateFile.read()).task;
      // Reported by the next claim that finds nothing; a next task reports `working` instead.
      heartbeat.stage({ status: 'idle' });
      if (end === 'aborted' || (deps.control.stopping && pending === null)) break;
    }
  } finally {
    rt.changes.stop();
    await closeProxies(rt);
    await heartbeat.stop();
    await rt.stateFile.update((draft) => {
      draft.status = 'stopped';
      draft.updated_at = deps.now().toISOString();
    });
    await rm(drainFile(deps.paths, deps.workerId), { force: true });
    rt.say(`worker ${deps.workerId} stopped`);
  }
  return 0;
}
