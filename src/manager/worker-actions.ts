import { rm } from 'node:fs/promises';
import {
  hasSession,
  killPane,
  newSession,
  respawnPane,
  splitPane,
  tagPane,
  tileLayout,
  type PaneCommand,
  type PaneInfo,
  type TmuxOptions,
} from '../adapters/tmux.js';
import { firstChildOf, signalProcess } from '../adapters/process.js';
import { writeNewFileSync } from '../core/fs-safe.js';
import type { DataPaths } from '../core/paths.js';
import { drainFile } from '../worker/control.js';

/** What the supervisor needs to act on worker panes. */
export interface PaneActions {
  readonly tmux: TmuxOptions;
  readonly session: string;
  readonly paths: DataPaths;
  readonly workerCommand: (workerId: number) => PaneCommand;
}

/**
 * SIGKILL to the pane's process group (the sh wrapper and the worker; agent runs have their own
 * groups and survive for the next worker to re-attach). SIGKILL also ends a stopped (SIGSTOP)
 * worker, where tmux's SIGHUP would stay pending forever. A pane process that leads no group
 * gets the signal alone.
 */
export function killPaneProcesses(panePid: number | null): void {
  if (panePid === null) return;
  if (!signalProcess(-panePid, 'SIGKILL')) signalProcess(panePid, 'SIGKILL');
}

/** The worker process under the pane's sh wrapper, else the pane process itself. */
export const workerPidOf = (panePid: number): number => firstChildOf(panePid) ?? panePid;

/** Starts the worker in its pane again, or in a new tagged pane when its pane is gone; returns the pane. */
export async function startWorker(actions: PaneActions, workerId: number, pane: PaneInfo | undefined): Promise<string> {
  await clearDrain(actions.paths, workerId);
  const command = actions.workerCommand(workerId);
  if (pane !== undefined) {
    if (!pane.dead) killPaneProcesses(pane.pid);
    await respawnPane(actions.tmux, pane.paneId, command);
    return pane.paneId;
  }
  const paneId = (await hasSession(actions.tmux, actions.session))
    ? await splitPane(actions.tmux, actions.session, command)
    : await newSession(actions.tmux, actions.session, command, { remainOnExit: true });
  await tagPane(actions.tmux, paneId, workerId);
  await tileLayout(actions.tmux, actions.session);
  return paneId;
}

export async function removeWorkerPane(actions: PaneActions, pane: PaneInfo | undefined): Promise<void> {
  if (pane !== undefined) {
    killPaneProcesses(pane.dead ? null : pane.pid);
    await killPane(actions.tmux, pane.paneId);
  }
  await tileLayout(actions.tmux, actions.session);
}

/** Asks the worker to finish its current task and exit (the worker's control file, src/worker/control.ts). */
export function requestDrain(paths: DataPaths, workerId: number): void {
  const file = drainFile(paths, workerId);
  writeNewFileSync(file, 'drain\n');
}

/** A stale drain file would make the next worker with this id exit at once. */
export const clearDrain = (paths: DataPaths, workerId: number) => rm(drainFile(paths, workerId), { force: true });

/**
 * Force: the worker's second SIGTERM kills the running attempt and requeues its task, then the
 * worker exits (src/worker/control.ts).
 */
export function requestStopNow(panePid: number | null): void {
  if (panePid === null) return;
  const pid = workerPidOf(panePid);
  if (signalProcess(pid, 'SIGTERM')) signalProcess(pid, 'SIGTERM');
}
