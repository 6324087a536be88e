import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventLog } from '../core/event-log.js';
import { describeHolder, inspectLock } from '../core/file-lock.js';
import type { DataPaths } from '../core/paths.js';
import { managerDir } from '../health/manager-state.js';

/** The directories whose files are locked: metrics, queue, worker state, the manager's own. */
const lockedDirs = (paths: DataPaths) => [paths.healthDir, paths.queueDir, paths.stateDir, managerDir(paths)];

/**
 * Finds locks held by a stopped process (SIGSTOP, a debugger) for at least `afterMs`. Such a lock
 * is never taken from its owner, so every writer of that file waits: someone must resume or kill
 * the owner. Each holding is alerted once; `alerted` remembers them across passes.
 */
export async function alertStoppedLockHolders(
  paths: DataPaths,
  log: EventLog,
  afterMs: number,
  alerted: Set<string>,
  now = Date.now(),
): Promise<void> {
  for (const dir of lockedDirs(paths)) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith('.lock'));
    } catch {
      continue; // not created yet
    }
    for (const name of names) {
      const file = join(dir, name.slice(0, -'.lock'.length));
      const holder = inspectLock(file, now);
      if (!holder?.state.startsWith('stopped') || holder.heldMs < afterMs) continue;
      const key = `${file} ${holder.pid} ${now - holder.heldMs}`;
      if (alerted.has(key)) continue;
      alerted.add(key);
      await log.log(
        'ALERT',
        `The lock of ${file} is ${describeHolder(holder)}: every writer of that file waits; resume it (kill -CONT ${holder.pid}) or end it.`,
      );
    }
  }
}
