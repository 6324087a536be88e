import { dirname } from 'node:path';
import type properLockfile from 'proper-lockfile';
import { WorkersError, errnoCode } from './errors.js';
import { ensureDirSync } from './fs-safe.js';

export const DEFAULT_LOCK_STALE_MS = 5000;

/**
 * How long this process may keep a lock it holds for work that queued up while it wrote. Other
 * processes wait at most this long plus one write; this process saves a lock and release per batch.
 */
export const MAX_HOLD_MS = 20;

/** How long a writer waits for the lock before giving up. */
const lockPatienceMs = (staleMs: number) => Math.max(60_000, staleMs * 6);

export interface FileLockOptions {
  /** A lock older than this is taken over: its holder died (kill -9) without releasing it. */
  readonly staleMs: number;
  /** True when more work on the path is already queued in this process: the lock is kept for it. */
  readonly wantedAgain: () => boolean;
}

/** Errors that no wait for the lock would cure. */
const PERMANENT_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC']);

type ProperLockfile = typeof properLockfile;

interface HeldLock {
  readonly since: number;
  readonly lockfile: ProperLockfile;
}

/** Locks this process still holds after their work, kept for the next piece of work. */
const heldByPath = new Map<string, HeldLock & { readonly expiry: NodeJS.Timeout }>();

/**
 * The release still under way per path. Removing the lock directory is slow on some disks (it
 * frees a block), so it runs on the thread pool after the work has been answered, and the next
 * lock of the path in this process waits for it.
 */
const releasingByPath = new Map<string, Promise<void>>();

/**
 * Runs `work` under the inter-process lock of `path` (proper-lockfile: a `PATH.lock` directory).
 * A free lock is taken at once with the sync API (no thread-pool round trips); a held one is
 * waited for patiently. After the work, the lock is kept while `wantedAgain()` says more work for
 * the path came in, up to MAX_HOLD_MS, then released in the background.
 */
export async function withFileLock<R>(path: string, options: FileLockOptions, work: () => Promise<R>): Promise<R> {
  const kept = heldByPath.get(path);
  heldByPath.delete(path);
  clearTimeout(kept?.expiry);
  const held = kept ?? (await acquire(path, options.staleMs));
  try {
    return await work();
  } finally {
    // Decided once this turn of the event loop is over, when the work queued during it is known.
    setImmediate(() => keepOrRelease(path, held, options.wantedAgain()));
  }
}

function keepOrRelease(path: string, held: HeldLock, wantedAgain: boolean): void {
  const left = held.since + MAX_HOLD_MS - Date.now();
  if (!wantedAgain || left <= 0) {
    release(path, held.lockfile);
    return;
  }
  // In case the work that wanted it never comes; unref'd, since an exit removes held locks anyway.
  const expiry = setTimeout(() => {
    if (heldByPath.get(path)?.expiry !== expiry) return;
    heldByPath.delete(path);
    release(path, held.lockfile);
  }, left).unref();
  heldByPath.set(path, { ...held, expiry });
}

async function acquire(path: string, staleMs: number): Promise<HeldLock> {
  ensureDirSync(dirname(path));
  const stale = Math.max(2000, staleMs);
  // Loaded on first write only: a read-only command (check, report) never pays for it.
  const { default: lockfile } = await import('proper-lockfile');
  await releasingByPath.get(path);
  const lockOptions = {
    realpath: false,
    stale,
    update: Math.floor(stale / 2),
    // The holder lost the lock (it was paused longer than `stale`); the atomic write keeps the file whole.
    onCompromised: () => undefined,
  };
  try {
    lockfile.lockSync(path, lockOptions);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== undefined && PERMANENT_ERRORS.has(code)) {
      throw new WorkersError('lock', `Cannot lock ${path}: ${(error as Error).message}.`, { cause: error });
    }
    // Held, or a race with another process taking over a stale lock (ENOENT, EEXIST): wait and retry.
    try {
      await lockfile.lock(path, {
        ...lockOptions,
        // Patient: a stale lock is taken over after `stale`, so waiting longer only happens under
        // heavy contention, where giving up would lose the update.
        retries: { retries: Math.ceil(lockPatienceMs(stale) / 10), factor: 1.2, minTimeout: 1, maxTimeout: 10, randomize: true },
      });
    } catch (waitError) {
      throw new WorkersError('lock', `Could not lock ${path} within ${Math.round(lockPatienceMs(stale) / 1000)} s: another process holds it.`, {
        cause: waitError,
      });
    }
  }
  return { since: Date.now(), lockfile };
}

function release(path: string, lockfile: ProperLockfile): void {
  // A rejection means the lock was compromised and taken over: it is no longer ours to remove.
  const releasing = lockfile.unlock(path, { realpath: false }).catch(() => undefined);
  releasingByPath.set(path, releasing);
  void releasing.then(() => {
    if (releasingByPath.get(path) === releasing) releasingByPath.delete(path);
  });
}
