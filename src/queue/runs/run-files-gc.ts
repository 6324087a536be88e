import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataPaths } from '../../core/paths.js';
import type { QueueTask } from '../backend.js';

const DAY_MS = 24 * 3600 * 1000;
/**
 * `task-12-pueue-20260101T032545000Z-attempt-2.log` (an output file; before it `task-12-attempt-2.log`),
 * `12-2.pid.json` (the runner's records): task 12.
 */
const RUN_FILE = /^(?:task-)?(\d+)-(?:[a-z]+-[0-9TZ]+-)?(?:attempt-)?\d+[.]/;

/** The directories of run files: the output files per worker, the runner's records. */
async function runDirs(paths: DataPaths): Promise<string[]> {
  const outputs = join(paths.root, 'runs');
  const workers = await readdir(outputs).catch(() => [] as string[]);
  return [...workers.filter((name) => /^worker-\d+$/.test(name)).map((name) => join(outputs, name)), join(paths.queueDir, 'runs')];
}

/**
 * Removes run files older than RUNS_KEEP_DAYS (by their last change) whose task is not queued or
 * claimed: a task still in play keeps every file of its runs. Returns how many went.
 */
export async function removeOldRunFiles(paths: DataPaths, tasks: readonly QueueTask[], keepDays: number, now: Date): Promise<number> {
  const active = new Set(tasks.filter((task) => task.status === 'queued' || task.status === 'claimed').map((task) => task.id));
  const cutoff = now.getTime() - keepDays * DAY_MS;
  let removed = 0;
  for (const dir of await runDirs(paths)) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const id = RUN_FILE.exec(name)?.[1];
      if (id === undefined || active.has(id)) continue;
      const file = join(dir, name);
      const changed = await stat(file).then(
        (info) => info.mtimeMs,
        () => Number.POSITIVE_INFINITY,
      );
      if (changed >= cutoff) continue;
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}
