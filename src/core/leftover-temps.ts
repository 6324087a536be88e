import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from './errors.js';
import type { DataPaths } from './paths.js';

/**
 * The temp files the toolkit writes before a rename: `.NAME.PID.TIME.SEQ.tmp` and its `.old`
 * second name (fs-safe.ts), and the runner's `NAME.PID.tmp` (runner-script.ts). The pid tells
 * whether the writer may still be at it.
 */
const TEMP_NAME = /^(?:\..+\.(\d+)\.[0-9a-z]+\.\d+\.(?:tmp|old)|.+\.(\d+)\.tmp)$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * Removes the temp files that writers which died (or hit a full disk) left in the data root's
 * directories; a writer that lives keeps its own. Returns how many went. Quiet: a directory that
 * is missing or unreadable has nothing to clean.
 */
export function removeLeftoverTemps(paths: DataPaths, extraDirs: readonly string[] = []): number {
  const dirs = [
    paths.root,
    paths.healthDir,
    paths.stateDir,
    paths.queueDir,
    join(paths.queueDir, 'runs'),
    join(paths.root, 'history'),
    ...extraDirs,
  ];
  let removed = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = TEMP_NAME.exec(name);
      const pid = Number(match?.[1] ?? match?.[2]);
      if (!match || pid === process.pid || isAlive(pid)) continue;
      try {
        unlinkSync(join(dir, name));
        removed += 1;
      } catch {
        // Removed by another starting worker meanwhile.
      }
    }
  }
  return removed;
}
