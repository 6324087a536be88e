import { readFileSync } from 'node:fs';
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
 * Whether the process runs: kill -0 (EPERM means it does, owned by someone else), and not a zombie
 * (Linux /proc): a pane process that exited but that tmux has not reaped yet is dead for us.
 */
export function isProcessAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/**
 * SIGKILL to the pane's process group (the sh wrapper and the worker; agent runs have their own
 * groups and survive for the next worker to re-attach). SIGKILL also ends a stopped (SIGSTOP)
 * worker, where tmux's SIGHUP would stay pending forever.
 */
export function killPaneProcesses(panePid: number | null): void {
  if (panePid === null) return;
  for (const target of [-panePid, panePid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // Not a group leader, or already gone.
    }
  }
}

/** The worker process under the pane's sh wrapper (Linux /proc), else the pane process itself. */
export function workerPidOf(panePid: number): number {
  try {
    const children = readFileSync(`/proc/${panePid}/task/${panePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : panePid;
  } catch {
    return panePid;
  }
}

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
    : await newSession(actions.tmux, actions.session, command);
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
export async function requestDrain(paths: DataPaths, workerId: number): Promise<void> {
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
  for (let i = 0; i < 2; i += 1) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
  }
}
