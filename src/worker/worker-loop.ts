import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openHealthLog } from '../health/health-service.js';
import { checkDiskFloor } from '../pool/disk-floor.js';
import { UsagePause, describePause } from '../pool/usage-pause.js';
import { drainFile } from './control.js';
import { Heartbeat } from './heartbeat.js';
import { renewingLeases } from './lease-renewal.js';
import { logError, saveState, withBackend, type Runtime, type WorkerDeps } from './runtime.js';
import { QueueChanges } from './queue-changes.js';
import { pauseInForce } from './pause-in-force.js';
import { processTask } from './task-runner.js';
import { TaskSessions } from './task-sessions.js';
import { openWorkerState } from './worker-state.js';

const IDLE_POLL_MS = 250;

/**
 * The worker: heartbeats on their own timer, claims tasks one at a time (waiting with a ~250 ms
 * poll while the queue is empty, woken at once by a queue change where the backend reports them),
 * takes each to its end, and stops when asked (see control.ts).
 * A task the previous run of this worker left in its state file is taken up first: the backend
 * hands a worker back the task it already holds. Resolves to the exit code.
 */
export async function runWorker(deps: WorkerDeps): Promise<number> {
  const heartbeat = new Heartbeat(
    renewingLeases(deps.health, deps.backend, deps.workerId),
    deps.workerId,
    deps.settings.HEARTBEAT_INTERVAL,
    (message) => deps.say(message),
  );
  const rt: Runtime = {
    ...deps,
    backendNow: deps.backend,
    heartbeat,
    stateFile: openWorkerState(deps.paths, deps.workerId, deps.settings.LOCK_STALE_TIMEOUT, deps.now),
    pause: new UsagePause({
      paths: deps.paths,
      now: deps.now,
      random: deps.random,
      jitterMaxMs: deps.settings.USAGE_PAUSE_JITTER,
      lockStaleMs: deps.settings.LOCK_STALE_TIMEOUT,
    }),
    sessions: new TaskSessions(deps.paths, deps.settings.LOCK_STALE_TIMEOUT, deps.now),
    events: openHealthLog(deps.paths, deps.now),
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
  rt.say(
    `worker ${deps.workerId} started (backend ${deps.backend.name}, agent ${deps.agent.name}, repo ${deps.repo}, base ${deps.baseBranch})`,
  );
  try {
    // A task in flight when this worker last stopped is taken up even when told to stop or drain.
    let pending = (await rt.stateFile.read()).task;
    await saveState(rt, pending);
    let announcedIdle = false;
    let announcedPause: string | null = null;
    for (;;) {
      if (deps.control.closed && pending === null) break;
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
        await deps.control.sleep(deps.idlePollMs ?? IDLE_POLL_MS);
        continue;
      }
      const pause = pending === null ? await pauseInForce(rt) : null;
      if (pause) {
        if (announcedPause !== pause.until) {
          heartbeat.set({ status: 'idle' });
          rt.say(`dispatch ${describePause(pause)}, set by ${pause.source}: not claiming`);
          announcedPause = pause.until;
        }
        await deps.control.sleep(Math.min(deps.idlePollMs ?? IDLE_POLL_MS, Date.parse(pause.until) - deps.now().getTime()));
        continue;
      }
      if (announcedPause !== null) rt.say('dispatch resumed');
      announcedPause = null;
      const mark = rt.changes.mark();
      const task = await withBackend(rt, 'claiming a task', (backend) => backend.claim(deps.workerId), true).catch(() => undefined);
      if (task === undefined) {
        pending = null;
        if (!announcedIdle) {
          heartbeat.set({ status: 'idle' });
          await saveState(rt, null);
          announcedIdle = true;
        }
        if (!deps.control.closed) await rt.changes.sleep(deps.control, deps.idlePollMs ?? IDLE_POLL_MS, mark);
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
      // After an unexpected error the state file still holds the task: resume from it.
      if (end === 'error') pending = (await rt.stateFile.read()).task;
      // Reported by the next claim that finds nothing; a next task reports `working` instead.
      heartbeat.stage({ status: 'idle' });
      if (end === 'aborted' || (deps.control.stopping && pending === null)) break;
    }
  } finally {
    rt.changes.stop();
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
