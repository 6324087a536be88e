import { readFileSync } from 'node:fs';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatByteSize } from '../core/byte-size.js';
import { errnoCode } from '../core/errors.js';
import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';
import { dirSize } from './dir-size.js';

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
  /** WORKTREES_MAX_BYTES for `<repo>/.worktrees` (0: no budget); measured at most every BUDGET_CHECK_MS. */
  readonly budget?: { readonly dir: string; readonly maxBytes: number };
}

/** Walking the worktrees costs far more than a statfs: their size is measured at most this often. */
const BUDGET_CHECK_MS = 10_000;
const measured = new Map<string, { readonly atMs: number; readonly bytes: number }>();

async function overBudget(budget: DiskFloorOptions['budget'], nowMs: number): Promise<string | null> {
  if (budget === undefined || budget.maxBytes === 0) return null;
  const last = measured.get(budget.dir);
  const fresh = last !== undefined && nowMs - last.atMs < BUDGET_CHECK_MS;
  const bytes = fresh ? last.bytes : await dirSize(budget.dir);
  if (!fresh) measured.set(budget.dir, { atMs: nowMs, bytes });
  return bytes > budget.maxBytes
    ? `${budget.dir} holds ${formatByteSize(bytes)}, over WORKTREES_MAX_BYTES ${formatByteSize(budget.maxBytes)}`
    : null;
}

const freeBytes = (dir: string) => statfs(dir).then((info) => info.bavail * info.bsize);

/**
 * The free-space floor: below MIN_FREE_DISK on any of the directories' disks the pool stops
 * claiming; returns why, or null. One ALERT per outage and one when space is back, whichever
 * worker sees it first (creating and removing the marker are atomic, so only one wins each).
 */
export async function checkDiskFloor(options: DiskFloorOptions): Promise<string | null> {
  let low = await overBudget(options.budget, options.now().getTime());
  for (const dir of options.minFree === 0 || low !== null ? [] : options.dirs) {
    const free = await freeBytes(dir).catch(() => Number.POSITIVE_INFINITY);
    if (free < options.minFree) {
      low = `${formatByteSize(free)} free on the disk of ${dir}, below MIN_FREE_DISK ${formatByteSize(options.minFree)}`;
      break;
    }
  }
  const file = diskPauseFile(options.paths);
  if (low !== null) {
    // A disk too full for the marker is too full for the alerts log too: the workers still pause.
    const created = await writeFile(file, `${JSON.stringify({ reason: low, since: options.now().toISOString() })}\n`, { flag: 'wx' }).then(
      () => true,
      () => false,
    );
    if (created)
      await options.events
        .log(
          'ALERT',
          `${options.who}: ${low}; every worker stopped claiming new tasks until space is back (worker-queue gc frees finished tasks' worktrees).`,
        )
        .catch(() => undefined);
    return low;
  }
  const lifted = await unlink(file).then(
    () => true,
    () => false,
  );
  if (lifted)
    await options.events.log(
      'ALERT',
      `${options.who}: disk space is back (MIN_FREE_DISK ${formatByteSize(options.minFree)}, WORKTREES_MAX_BYTES ${formatByteSize(options.budget?.maxBytes ?? 0)}); workers claim again.`,
    );
  return null;
}
