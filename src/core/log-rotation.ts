import { existsSync } from 'node:fs';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errnoCode } from './errors.js';

export interface RotationPolicy {
  /** A log grown past this is rotated. */
  readonly maxBytes: number;
  /** Old files kept: `LOG.1` (plain), then `LOG.2.gz` ... `LOG.<keep>.gz`. */
  readonly keep: number;
}

/** LOG_MAX_BYTES and LOG_KEEP; set once per process from the settings (configureLogRotation). */
let policy: RotationPolicy = { maxBytes: 10 * 1024 * 1024, keep: 5 };

export function configureLogRotation(next: RotationPolicy): void {
  policy = next;
}

// zlib is loaded at the first rotation: most processes never rotate a log.
const gzipAsync = async (data: Buffer) => promisify((await import('node:zlib')).gzip)(data);
/** A rotation lock older than this was left by a killed rotator. */
const STALE_LOCK_MS = 30_000;

/**
 * Rotates `file` when it has grown past LOG_MAX_BYTES. Safe with several writers in several
 * processes: every writer opens the file for each line with O_APPEND, so a line is written whole
 * into whichever file the name pointed at when it was opened, and a rename never tears it. The
 * newest old file (`.1`) stays plain and is compressed only at the next rotation, when no writer
 * that opened it before its rename is still writing ("delaycompress"). Rotators take an O_EXCL
 * lock, so two never rotate the same file at once.
 */
export async function rotateIfLarge(file: string, rotation: RotationPolicy = policy): Promise<void> {
  const size = await stat(file).then(
    (info) => info.size,
    () => 0,
  );
  if (size <= rotation.maxBytes) return;
  const lock = `${file}.rotating`;
  const handle = await open(lock, 'wx').catch(async (error: unknown) => {
    if (errnoCode(error) !== 'EEXIST') return undefined;
    const age =
      Date.now() -
      (await stat(lock).then(
        (info) => info.mtimeMs,
        () => Date.now(),
      ));
    if (age > STALE_LOCK_MS) await rm(lock, { force: true });
    return undefined;
  });
  if (handle === undefined) return;
  try {
    // Another rotator may have finished just before this one took the lock.
    if (
      (await stat(file).then(
        (info) => info.size,
        () => 0,
      )) <= rotation.maxBytes
    )
      return;
    await rm(`${file}.${rotation.keep}.gz`, { force: true });
    for (let index = rotation.keep - 1; index >= 2; index -= 1) {
      if (existsSync(`${file}.${index}.gz`)) await rename(`${file}.${index}.gz`, `${file}.${index + 1}.gz`);
    }
    if (existsSync(`${file}.1`)) {
      if (rotation.keep >= 2) {
        await writeFile(`${file}.2.gz.tmp`, await gzipAsync(await readFile(`${file}.1`)));
        await rename(`${file}.2.gz.tmp`, `${file}.2.gz`);
      }
      await rm(`${file}.1`, { force: true });
    }
    await rename(file, `${file}.1`);
  } finally {
    await handle.close();
    await rm(lock, { force: true });
  }
}
