import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { shellQuote } from '../adapters/process.js';
import { escapeTmuxFormat } from '../adapters/tmux.js';
import { ensureDirSync, writeFileAtomicSync } from '../core/fs-safe.js';

/**
 * How a worker's exit reaches the manager at once. Worker panes keep `remain-on-exit on`, and the
 * session's `pane-died` hook appends the dead pane's id to a file the manager watches (inotify).
 *
 * Why a file and not `run-shell "worker-manager notify-died ID"`: appending a line is a shell
 * builtin that costs about a millisecond, where starting node costs ~50 ms of CPU per death; it
 * needs no path to node in the hook; it never blocks when no manager runs (a FIFO would); and it
 * carries only tmux's own `%N` pane id, never a user-settable value, into the shell. The manager
 * re-reads every pane from tmux when woken, looks the worker up by `@worker_id`, and decides there;
 * the CHECK_INTERVAL pass still covers a lost event.
 */
export function deathHookCommand(eventsFile: string): string {
  return `printf '%s\\n' '#{pane_id}' >> ${escapeTmuxFormat(shellQuote(eventsFile))}`;
}

/** Starts the file empty (old events describe panes already handled) and calls `onEvent` on each append. */
export async function watchDeathEvents(eventsFile: string, onEvent: () => void): Promise<FSWatcher> {
  ensureDirSync(dirname(eventsFile));
  writeFileAtomicSync(eventsFile, '');
  const name = basename(eventsFile);
  const watcher = watch(dirname(eventsFile), (_event, file) => {
    if (file === null || file === name) onEvent();
  });
  watcher.unref();
  return watcher;
}
