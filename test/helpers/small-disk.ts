import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterThisTest } from './after-test.js';
import { makeTempDir } from './temp.js';

/**
 * A private tmpfs of `size` (say '512k') that a test can fill or make read-only: a real full disk
 * (the CI machines run tests as root, where mount works; see CONTRIBUTING.md).
 */
export function mountSmallDisk(size: string): string {
  const dir = makeTempDir('hw-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  afterThisTest(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

/** Fills the disk to the last byte; returns the filler's path, whose removal frees the space again. */
export function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  try {
    for (;;) writeFileSync(filler, Buffer.alloc(64 * 1024), { flag: 'a' });
  } catch {
    // ENOSPC: full. Single bytes fill what a 64 KiB write could not.
    try {
      for (;;) writeFileSync(filler, 'x', { flag: 'a' });
    } catch {
      // Full to the byte.
    }
  }
  return filler;
}

export const remountReadOnly = (dir: string) => execFileSync('mount', ['-o', 'remount,ro', dir]);
