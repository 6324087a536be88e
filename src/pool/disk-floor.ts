import { readFileSync } from 'node:fs';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatByteSize } from '../core/byte-size.js';
import { errnoCode } from '../core/errors.js';
import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';

/** Present while the pool is paused for disk space: the worker that creates it writes the ALERT. */
export const diskPauseFile = (paths: DataPaths) => join(paths.stateDir, 'disk-pause.json');

/** The pause for disk space in force, described (for status), or null. */
export function readDiskPause(paths: DataPaths): string | null {
  try {
    const parsed = JSON.parse(readFileSync(diskPauseFile(paths), 'utf8')) as { reason?: unknown };
    return typeof parsed.reason === 'string' ? parsed.reason : 'free disk space is below MIN_FREE_DISK';
  } catch (error) {
    // A marker cut short by a full disk still pauses.
    return errnoCode(error) === 'ENOENT' ? null : 'free disk space is below MIN_FREE_DISK';
  }
}

export interface DiskFloorOptions {
  readonly paths: DataPaths;
  /** The directories whose disks must keep MIN_FREE_DISK free (the repository, the data root). */
  readonly dirs: readonly string[];
  readonly minFree: number;
  readonly events: EventLog;
  readonly now: () => Date;
  /** Who noticed, for the ALERT (`Worker 2`). */
  readonly who: string;
}

const freeBytes = (dir: string) => statfs(dir).then((info) => info.bavail * info.bsize);

/**
 * The free-space floor: below MIN_FREE_DISK on any of the directories' disks the pool stops
 * claiming; returns why, or null. One ALERT per outage and one when space is back, whichever
 * worker sees it first (creating and removing the marker are atomic, so only one wins each).
 */
export async function checkDiskFloor(options: DiskFloorOptions): Promise<string | null> {
  if (options.minFree === 0) return null;
  let low: string | null = null;
  for (const dir of options.dirs) {
    const free = await freeBytes(dir).catch(() => Number.POSITIVE_INFINITY);
    if (free < options.minFree) {
      low = `${formatByteSize(free)} free on the disk of ${dir}, below MIN_FREE_DISK ${formatByteSize(options.minFree)}`;
      break;
    }
  }
  const file = diskPauseFile(options.paths);
  if (low !== null) {
    // A disk too full for the marker is too full for the alerts log too: the workers still pause.
    const created = await writeFile(file, `${JSON.stringify({ reason: low, since: options.now().toISOString() })}\n`, { flag: 'wx' }).then(() => true, () => false);
    if (created) await options.events.log('ALERT', `${options.who}: ${low}; every worker stopped claiming new tasks until space is back.`).catch(() => undefined);
    return low;
  }
  const lifted = await unlink(file).then(() => true, () => false);
  if (lifted) await options.events.log('ALERT', `${options.who}: free disk space is back above MIN_FREE_DISK ${formatByteSize(options.minFree)}; workers claim again.`);
  return null;
}
