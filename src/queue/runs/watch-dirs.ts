import { watch, type FSWatcher } from 'node:fs';
import { ensureDirSync } from '../../core/fs-safe.js';
import type { QueueChange } from '../backend.js';

export interface WatchedDir {
  readonly dir: string;
  /** The file names whose changes matter. */
  readonly matches: (name: string) => boolean;
  /** What a change of such a file is. */
  readonly change: QueueChange;
}

/**
 * Calls `listener` when a matching file in one of the directories is created, replaced or
 * removed (fs.watch: inotify on Linux). Resolves to the function that stops watching. A directory
 * that cannot be watched (inotify limits, a file in the way) is skipped: callers poll anyway.
 */
export async function watchDirs(dirs: readonly WatchedDir[], listener: (change: QueueChange) => void): Promise<() => void> {
  const watchers: FSWatcher[] = [];
  for (const { dir, matches, change } of dirs) {
    try {
      ensureDirSync(dir);
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || matches(name)) listener(change);
      });
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Not watched: the caller's polls still see every change, only later.
    }
  }
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
