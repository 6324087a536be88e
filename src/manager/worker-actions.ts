import { rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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
import { ensureDir, FILE_MODE } from '../core/fs-safe.js';
import type { DataPaths } from '../core/paths.js';
import { drainFile } from '../worker/control.js';

/** What the supervisor needs to act on worker panes. */
export interface PaneActions {
  readonly tmux: TmuxOptions;
  readonly session: string;
  readonly paths: DataPaths;
  readonly workerCommand: (workerId: number) => PaneCommand;
}

/** kill -0: does the process exist (EPERM means it does, owned by someone else). */
export function isProcessAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILL works on a stopped (SIGSTOP) process too, where tmux's SIGHUP would wait forever. */
export function killProcess(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Starts the worker in its pane again, or in a new tagged pane when its pane is gone. */
export async function startWorker(actions: PaneActions, workerId: number, pane: PaneInfo | undefined): Promise<void> {
  await clearDrain(actions.paths, workerId);
  const command = actions.workerCommand(workerId);
  if (pane !== undefined) {
    if (!pane.dead) killProcess(pane.pid);
    await respawnPane(actions.tmux, pane.paneId, command);
    return;
  }
  const paneId = (await hasSession(actions.tmux, actions.session))
    ? await splitPane(actions.tmux, actions.session, command)
    : await newSession(actions.tmux, actions.session, command);
  await tagPane(actions.tmux, paneId, workerId);
  await tileLayout(actions.tmux, actions.session);
}

export async function removeWorkerPane(actions: PaneActions, pane: PaneInfo | undefined): Promise<void> {
  if (pane !== undefined) {
    killProcess(pane.dead ? null : pane.pid);
    await killPane(actions.tmux, pane.paneId);
  }
  await tileLayout(actions.tmux, actions.session);
}

/** Asks the worker to finish its current task and exit (the worker's control file, src/worker/control.ts). */
export async function requestDrain(paths: DataPaths, workerId: number): Promise<void> {
  const file = drainFile(paths, workerId);
  await ensureDir(dirname(file));
  await writeFile(file, 'drain\n', { mode: FILE_MODE });
}

/** A stale drain file would make the next worker with this id exit at once. */
export const clearDrain = (paths: DataPaths, workerId: number) => rm(drainFile(paths, workerId), { force: true });

/**
 * Force: the worker's second SIGTERM kills the running attempt and requeues its task, then the
 * worker exits (src/worker/control.ts).
 */
export function requestStopNow(pid: number | null): void {
  if (pid === null) return;
  for (let i = 0; i < 2; i += 1) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
  }
}
