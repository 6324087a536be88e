import { join } from 'node:path';
import { hasSession, installDeathHook, panePid, readWorkerPanes, type PaneInfo } from '../adapters/tmux.js';
import type { EventLog } from '../core/event-log.js';
import { withFileLock } from '../core/file-lock.js';
import type { JsonFile } from '../core/json-store.js';
import type { Settings } from '../core/settings.js';
import type { HealthStore } from '../health/health-store.js';
import type { Metrics } from '../health/metrics-schema.js';
import { classifyWorker, describeVerdict, type WorkerVerdict } from './classify-worker.js';
import { deathEventsFile, entryOf, managerDir, workerIds, type ManagerState, type WorkerEntry } from '../health/manager-state.js';
import { currentCount, decideRestart, uptimeMs } from './restart-policy.js';
import { isProcessAlive } from '../adapters/process.js';
import { killPaneProcesses, removeWorkerPane, requestDrain, requestStopNow, startWorker, type PaneActions } from './worker-actions.js';
import { deathHookCommand } from './death-events.js';

/** Another pass is waited for 12 times this (file-lock.ts), two minutes, before this one gives up. */
const RECONCILE_LOCK_STALE_MS = 10_000;

export type SupervisorSettings = Pick<
  Settings,
  | 'DEAD_WORKER_THRESHOLD'
  | 'SLOW_TASK_THRESHOLD'
  | 'RESTART_DELAY'
  | 'MAX_RESTART_ATTEMPTS'
  | 'RESTART_MIN_UPTIME'
  | 'RESTART_STABLE_PERIOD'
>;

export interface SupervisorOptions extends PaneActions {
  readonly settings: SupervisorSettings;
  readonly log: EventLog;
  readonly health: HealthStore;
  readonly state: JsonFile<ManagerState>;
  readonly now: () => Date;
  /** Called with a worker id whose in-flight task must go back to the queue (forced removal). */
  readonly requeueTasksOf?: (workerId: number) => Promise<void>;
}

export interface PassResult {
  readonly sessionMissing: boolean;
  readonly workers: number;
  /** Earliest scheduled backoff restart, so the loop wakes for it. */
  readonly nextRestartAt: number | null;
}

/**
 * One reconcile pass: make tmux match manager/state.json. The daemon runs it every CHECK_INTERVAL
 * and on every pane death; CLI commands (scale, restart) edit the state and run passes until their
 * request is done. A cross-process lock keeps passes one at a time, so a pane is never created or
 * respawned twice for one decision.
 */
export class Supervisor {
  private hookInstalled = false;
  /** One ALERT per outage, not one per retry while the rebuild keeps failing. */
  private alertedSessionGone = false;
  private readonly warnedSlow = new Map<number, string>();
  private readonly recordingRestarts = new Set<number>();
  /** The pane processes seen running at the last pass, for the loop's cheap liveness poll. */
  livePanePids: number[] = [];

  constructor(private readonly options: SupervisorOptions) {}

  pass(): Promise<PassResult> {
    // A pass of a manager that is stopped keeps the pool: the lock is only taken from a process that is gone.
    const lock = { staleMs: RECONCILE_LOCK_STALE_MS, wantedAgain: () => false };
    return withFileLock(join(managerDir(this.options.paths), 'reconcile'), lock, () => this.reconcile());
  }

  private async reconcile(): Promise<PassResult> {
    const { tmux, session, state, health } = this.options;
    const snapshot = await state.read();
    const ids = workerIds(snapshot);
    const found = await readWorkerPanes(tmux, session);
    const rebuilding = new Set<number>();
    if (found === null) {
      this.hookInstalled = false;
      // Workers being removed went with the session; an empty pool (scale 0) has no session by design.
      const removing = ids.filter((id) => snapshot.workers[String(id)]!.intent === 'remove');
      if (removing.length > 0) {
        await state.update((draft) => {
          for (const id of removing) if (draft.workers[String(id)]?.intent === 'remove') delete draft.workers[String(id)];
        });
      }
      if (ids.length === removing.length) return { sessionMissing: true, workers: 0, nextRestartAt: null };
      // The session (or its whole tmux server) went away under running workers: they all come back
      // at once, not one backoff at a time; each re-attaches to the task it held.
      for (const id of ids) {
        const entry = snapshot.workers[String(id)]!;
        if (entry.intent === 'run' && !entry.gave_up && entry.next_restart_at === null) rebuilding.add(id);
      }
      if (rebuilding.size > 0 && !this.alertedSessionGone) {
        this.alertedSessionGone = true;
        await this.options.log.log(
          'ALERT',
          `The tmux session ${session} is gone (its tmux server died or it was killed); rebuilding it with worker${rebuilding.size > 1 ? 's' : ''} ${[...rebuilding].join(', ')}.`,
        );
      }
    }
    if (found !== null) this.alertedSessionGone = false;
    const panes = found ?? new Map<number, PaneInfo>();
    this.livePanePids = [...panes.values()].flatMap((pane) => (pane.dead || pane.pid === null ? [] : [pane.pid]));
    const adopted = await this.adoptUntracked(panes, snapshot);
    const metrics = await health.read();
    const current = adopted ? await state.read() : snapshot;
    let nextRestartAt: number | null = null;
    for (const id of workerIds(current)) {
      if (current.workers[String(id)]!.restarts_unrecorded > 0) this.recordRestarts(id);
      const entry = current.workers[String(id)]!;
      if (rebuilding.has(id)) {
        await this.restart(id, undefined, entry, 'its tmux session was gone', { counts: true });
        continue;
      }
      const due = await this.superviseOne(id, panes.get(id), entry, metrics);
      if (due !== null) nextRestartAt = Math.min(nextRestartAt ?? due, due);
    }
    if (!this.hookInstalled && (await hasSession(tmux, session))) {
      await installDeathHook(tmux, session, deathHookCommand(deathEventsFile(this.options.paths)));
      this.hookInstalled = true;
    }
    return { sessionMissing: false, workers: found === null ? rebuilding.size : panes.size, nextRestartAt };
  }

  /** Panes tagged by someone else (setup) join the pool as they are. */
  private async adoptUntracked(panes: Map<number, PaneInfo>, snapshot: ManagerState): Promise<boolean> {
    const untracked = [...panes.keys()].filter((id) => snapshot.workers[String(id)] === undefined);
    if (untracked.length === 0) return false;
    const at = this.options.now().toISOString();
    await this.options.state.update((draft) => {
      for (const id of untracked) entryOf(draft, id).started_at ??= at;
    });
    await this.options.log.log('INFO', `Supervising worker panes ${untracked.join(', ')}.`);
    return true;
  }

  private async superviseOne(id: number, pane: PaneInfo | undefined, entry: WorkerEntry, metrics: Metrics): Promise<number | null> {
    const now = this.options.now();
    const verdict = classifyWorker(
      { pane, processAlive: isProcessAlive(pane?.pid ?? null), record: metrics.workers[String(id)], startedAt: entry.started_at },
      now,
      this.options.settings,
    );
    switch (entry.intent) {
      case 'start':
        await this.restart(id, pane, entry, 'new in the pool', { counts: false });
        return null;
      case 'remove':
        await this.remove(id, pane, entry, verdict);
        return null;
      case 'restart':
        if (entry.force || verdict.kind !== 'running') {
          await this.restart(id, pane, entry, 'restarted on request', { counts: true, resetCount: true });
        } else if (entry.drain_requested_at === null) {
          await this.drain(id, 'restart');
        }
        return null;
      case 'run':
        return this.keepRunning(id, pane, entry, verdict, now, metrics.workers[String(id)]?.current_task ?? 'none');
    }
  }

  private async keepRunning(
    id: number,
    pane: PaneInfo | undefined,
    entry: WorkerEntry,
    verdict: WorkerVerdict,
    now: Date,
    task: string,
  ): Promise<number | null> {
    if (entry.gave_up) return null;
    if (entry.next_restart_at !== null) {
      const due = Date.parse(entry.next_restart_at);
      if (due > now.getTime()) return due;
      await this.restart(id, pane, entry, entry.last_reason ?? 'backoff over', { counts: true });
      return null;
    }
    if (verdict.kind === 'running') {
      // A restart counted by a manager killed before it could note the start: it did start.
      if (entry.restart_started_at !== null)
        await this.options.state.update((draft) => Object.assign(entryOf(draft, id), { restart_started_at: null }));
      await this.noteRunning(id, entry, verdict, now, task);
      return null;
    }
    const reason = describeVerdict(verdict);
    const decision = decideRestart(entry, now, this.options.settings);
    const { log, state } = this.options;
    if (decision.kind === 'give-up') {
      if (verdict.kind === 'hung') killPaneProcesses(pane?.pid ?? null);
      await state.update((draft) => Object.assign(entryOf(draft, id), { gave_up: true, last_reason: reason }));
      await log.log(
        'ALERT',
        `Worker ${id} gave up: ${reason} after ${decision.consecutive} consecutive unstable restarts; left stopped (worker-manager restart ${id} to try again).`,
      );
      return null;
    }
    // The manager owns the ALERT of a worker's death (one per death: the restart itself is INFO).
    const next =
      decision.delayMs === 0
        ? 'restarting it now'
        : `crash loop (${decision.consecutive} unstable restarts in a row): restarting it in ${decision.delayMs} ms`;
    await log.log('ALERT', `Worker ${id}: ${reason}; ${next}.`);
    const decided = { consecutive_unstable: decision.consecutive, last_reason: reason };
    if (decision.delayMs === 0) {
      await this.restart(id, pane, entry, reason, { counts: true, decided });
      return null;
    }
    const due = now.getTime() + decision.delayMs;
    await state.update((draft) => Object.assign(entryOf(draft, id), { ...decided, next_restart_at: new Date(due).toISOString() }));
    await log.log('INFO', `Worker ${id} will be restarted in ${decision.delayMs} ms (restart ${decision.consecutive} in a row).`);
    return due;
  }

  private async noteRunning(
    id: number,
    entry: WorkerEntry,
    verdict: WorkerVerdict & { kind: 'running' },
    now: Date,
    task: string,
  ): Promise<void> {
    if (entry.consecutive_unstable > 0 && currentCount(entry, now, this.options.settings) === 0) {
      await this.options.state.update((draft) => Object.assign(entryOf(draft, id), { consecutive_unstable: 0 }));
      await this.options.log.log(
        'INFO',
        `Worker ${id} has been stable for ${Math.round(uptimeMs(entry, now) / 1000)} s; its restart count is reset.`,
      );
    }
    if (verdict.health !== 'slow') return;
    if (this.warnedSlow.get(id) === task) return;
    this.warnedSlow.set(id, task);
    await this.options.log.log(
      'WARN',
      `Worker ${id} is slow on task ${task} (longer than ${this.options.settings.SLOW_TASK_THRESHOLD / 1000} s); left running.`,
    );
  }

  /**
   * Starts the worker again. A counted restart is written (with what the policy `decided`) before
   * the pane starts, since a manager killed after the start would otherwise lose it, and the start
   * itself after: two writes, the least that survives a kill between them.
   */
  private async restart(
    id: number,
    pane: PaneInfo | undefined,
    entry: WorkerEntry,
    reason: string,
    how: { counts: boolean; resetCount?: boolean; decided?: Partial<WorkerEntry> },
  ): Promise<void> {
    if (how.counts) {
      const at = this.options.now().toISOString();
      await this.options.state.update((draft) => {
        const target = Object.assign(entryOf(draft, id), how.decided);
        if (target.restart_started_at !== null) return;
        Object.assign(target, {
          restarts: target.restarts + 1,
          restarts_unrecorded: target.restarts_unrecorded + 1,
          restart_started_at: at,
        });
      });
    }
    const paneId = await startWorker(this.options, id, pane);
    // The new process joins the liveness poll at once, not only at the next pass.
    const pid = await panePid(this.options.tmux, paneId);
    if (pid !== null) this.livePanePids.push(pid);
    const at = this.options.now().toISOString();
    await this.options.state.update((draft) => {
      const target = entryOf(draft, id);
      Object.assign(target, {
        intent: target.intent === entry.intent ? 'run' : target.intent,
        force: false,
        drain_requested_at: null,
        started_at: at,
        next_restart_at: null,
        restart_started_at: null,
      });
      if (how.resetCount) Object.assign(target, { consecutive_unstable: 0, gave_up: false });
    });
    if (how.counts) this.recordRestarts(id);
    await this.options.log.log('INFO', workerStartLine(id, how.counts, reason, pane?.paneId));
  }

  /**
   * Adds the restarts the pool state holds as unrecorded to metrics.json. metrics.json is shared
   * with the workers, and a worker SIGKILLed while writing it leaves a lock that only goes stale
   * after LOCK_STALE_TIMEOUT: this is not awaited, so that wait never holds up the restart of
   * another worker; a manager killed meanwhile leaves the count in the state for the next pass.
   */
  private recordRestarts(id: number): void {
    if (this.recordingRestarts.has(id)) return;
    this.recordingRestarts.add(id);
    const { health, state, log } = this.options;
    void (async () => {
      const pending = (await state.read()).workers[String(id)]?.restarts_unrecorded ?? 0;
      for (let count = 0; count < pending; count += 1) await health.restart(id);
      await state.update((draft) => {
        const entry = entryOf(draft, id);
        entry.restarts_unrecorded = Math.max(0, entry.restarts_unrecorded - pending);
      });
    })()
      .catch((error: unknown) => log.log('ERROR', `Could not count the restart of worker ${id}: ${(error as Error).message}`))
      .finally(() => this.recordingRestarts.delete(id));
  }

  private async drain(id: number, why: 'restart' | 'remove'): Promise<void> {
    requestDrain(this.options.paths, id);
    const at = this.options.now().toISOString();
    await this.options.state.update((draft) => Object.assign(entryOf(draft, id), { drain_requested_at: at }));
    await this.options.log.log('INFO', `Worker ${id} asked to drain before ${why === 'restart' ? 'its restart' : 'removal'}.`);
  }

  private async remove(id: number, pane: PaneInfo | undefined, entry: WorkerEntry, verdict: WorkerVerdict): Promise<void> {
    // A hung worker cannot drain: it is killed, and its task goes back to the queue below.
    if (verdict.kind === 'hung') killPaneProcesses(pane?.pid ?? null);
    const alive = verdict.kind === 'running';
    if (alive && !entry.force) {
      if (entry.drain_requested_at === null) await this.drain(id, 'remove');
      return;
    }
    if (alive) {
      requestStopNow(pane?.pid ?? null);
      if (entry.drain_requested_at === null) {
        await this.options.state.update((draft) =>
          Object.assign(entryOf(draft, id), { drain_requested_at: this.options.now().toISOString() }),
        );
      }
      return;
    }
    await removeWorkerPane(this.options, pane);
    if (entry.force || verdict.kind === 'hung') await this.options.requeueTasksOf?.(id);
    const left = await this.options.state.update((draft) => {
      if (draft.workers[String(id)]?.intent === 'remove') delete draft.workers[String(id)];
      return Object.keys(draft.workers).map(Number);
    });
    // Removed on purpose: `stopped`, not a death, even when it was stopped at once and said nothing.
    await this.options.health.retireWorkersExcept(new Set(left)).catch(() => undefined);
    await this.options.log.log('INFO', `Worker ${id} removed${entry.force ? ' (forced)' : ' after draining'}.`);
  }
}

/** "Worker 3 restarted (backoff over) in pane %4." A first start says why once: never "started (started)". */
export function workerStartLine(id: number, counted: boolean, reason: string, paneId: string | undefined): string {
  const where = paneId === undefined ? 'a new pane' : `pane ${paneId}`;
  return `Worker ${id} ${counted ? 'restarted' : 'started'} (${reason}) in ${where}.`;
}
