import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WorkersError, errnoCode, systemError } from './errors.js';
import { DIR_MODE, FILE_MODE, ensureDirSync } from './fs-safe.js';
import { lockOwnerSchema, ownerState, selfOwner, type LockOwner, type OwnerState } from './lock-owner.js';

export const DEFAULT_LOCK_STALE_MS = 5000;

/**
 * How long this process may keep a lock it holds for work that queued up while it wrote. Other
 * processes wait at most this long plus one write; this process saves a lock and release per batch.
 */
export const MAX_HOLD_MS = 20;

/**
 * How long a writer waits for a lock whose owner lives before giving up: safety over liveness, a
 * live owner's lock is never taken, however long it is held (LOCK_STALE_TIMEOUT 5 s: 60 s).
 */
export const lockPatienceMs = (staleMs: number) => staleMs * 12;

export interface FileLockOptions {
  /** Sets the waiter's patience (lockPatienceMs); a lock is never taken by its age. */
  readonly staleMs: number;
  /** True when more work on the path is already queued in this process: the lock is kept for it. */
  readonly wantedAgain: () => boolean;
}

/** Given to the work: throws LockLostError unless this process still owns the lock. */
export type AssertHeld = () => void;

/** The lock was taken from this process (removed by hand, or judged stale from another host). */
export class LockLostError extends WorkersError {
  constructor(path: string) {
    super('lock', `The lock of ${path} was taken from this process; the write was discarded.`);
  }
}

/** Errors that no wait for the lock would cure. */
const PERMANENT_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC']);

interface HeldLock {
  readonly since: number;
  readonly token: string;
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
 * Every lock this process owns (held, kept or being released), removed synchronously at exit: a
 * command exits right after its write, before the background release has run.
 */
const ownedByPath = new Map<string, string>();
process.on('exit', () => {
  for (const [path, token] of ownedByPath) {
    try {
      assertOwned(path, token);
      rmSync(lockDir(path), { recursive: true, force: true });
    } catch {
      // Not ours any more, or already gone.
    }
  }
});

const lockDir = (path: string) => `${path}.lock`;
const ownerFile = (dir: string) => join(dir, 'owner');
/** A directory beside the lock on its way in or out: hidden, as the store's other temp names are. */
const besideLock = (path: string, suffix: string) => join(dirname(path), `.${basename(path)}.lock.${suffix}`);

let sequence = 0;
const newToken = () => `${process.pid}.${Date.now().toString(36)}.${(sequence += 1)}.${Math.random().toString(36).slice(2, 10)}`;

/**
 * Runs `work` under the inter-process lock of `path`: a `PATH.lock` directory (0700) whose `owner`
 * file names this process (pid, start time, host, a token). A free lock is taken at once with
 * sync calls (no thread-pool round trips); a held one is waited for, and taken only once its owner
 * process is gone. After the work, the lock is kept while `wantedAgain()` says more work for the
 * path came in, up to MAX_HOLD_MS, then released in the background.
 */
export async function withFileLock<R>(path: string, options: FileLockOptions, work: (assertHeld: AssertHeld) => Promise<R>): Promise<R> {
  const kept = heldByPath.get(path);
  heldByPath.delete(path);
  clearTimeout(kept?.expiry);
  const held = kept ?? (await acquire(path, options.staleMs));
  ownedByPath.set(path, held.token);
  try {
    return await work(() => assertOwned(path, held.token));
  } finally {
    // Decided once this turn of the event loop is over, when the work queued during it is known.
    setImmediate(() => keepOrRelease(path, held, options.wantedAgain()));
  }
}

function keepOrRelease(path: string, held: HeldLock, wantedAgain: boolean): void {
  const left = held.since + MAX_HOLD_MS - Date.now();
  if (!wantedAgain || left <= 0) {
    release(path, held.token);
    return;
  }
  // In case the work that wanted it never comes; unref'd, since an exit removes held locks anyway.
  const expiry = setTimeout(() => {
    if (heldByPath.get(path)?.expiry !== expiry) return;
    heldByPath.delete(path);
    release(path, held.token);
  }, left).unref();
  heldByPath.set(path, { ...held, expiry });
}

/** The owner recorded in a lock directory; undefined when there is none (free, or being released). */
function readOwner(dir: string): LockOwner | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(ownerFile(dir), 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    return lockOwnerSchema.parse(JSON.parse(text));
  } catch {
    return 'unreadable';
  }
}

/** Inside the critical section, so a plain read and a text match, not a parse. */
function assertOwned(path: string, token: string): void {
  let text = '';
  try {
    text = readFileSync(ownerFile(lockDir(path)), 'utf8');
  } catch {
    // No owner file: the lock was removed.
  }
  if (!text.includes(tokenField(token))) throw new LockLostError(path);
}

const tokenField = (token: string) => `"token":"${token}"`;

/** Who holds the lock of `path` now, for messages and the manager's alert; undefined when free. */
export interface LockHolder {
  readonly pid: number;
  readonly state: OwnerState;
  readonly heldMs: number;
}

export function inspectLock(path: string, now = Date.now()): LockHolder | undefined {
  const owner = readOwner(lockDir(path));
  if (typeof owner !== 'object') return undefined;
  return { pid: owner.pid, state: ownerState(owner), heldMs: Math.max(0, now - owner.since) };
}

export const describeHolder = (holder: LockHolder) =>
  `held by pid ${holder.pid}, ${holder.state}, for ${Math.round(holder.heldMs / 1000)} s`;

const sweptPaths = new Set<string>();

/**
 * Once per path and process: the directories a writer killed mid-way left beside the lock (one
 * prepared but never renamed into place, one renamed aside in a takeover). Each names its owner
 * (or, before its owner file, starts with the owner's pid); only a gone owner's are removed.
 */
function removeDeadLeftovers(path: string): void {
  if (sweptPaths.has(path)) return;
  sweptPaths.add(path);
  const prefix = `.${basename(path)}.lock.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(dirname(path), name);
    const owner = readOwnerQuietly(dir);
    const pid = Number(
      name
        .slice(prefix.length)
        .replace(/^stale-/, '')
        .split('.')[0],
    );
    const gone =
      typeof owner === 'object'
        ? ownerState(owner) === 'gone'
        : owner === undefined &&
          Number.isInteger(pid) &&
          pid > 0 &&
          ownerState({ ...selfOwner(), pid, start: null, token: '', since: 0 }) === 'gone';
    if (gone) rmSync(dir, { recursive: true, force: true });
  }
}

function readOwnerQuietly(dir: string): ReturnType<typeof readOwner> {
  try {
    return readOwner(dir);
  } catch {
    return 'unreadable'; // not ours to judge: kept
  }
}

async function acquire(path: string, staleMs: number): Promise<HeldLock> {
  ensureDirSync(dirname(path));
  removeDeadLeftovers(path);
  await releasingByPath.get(path);
  const token = newToken();
  // Prepared aside and renamed into place, so a lock directory always names its owner: a rename
  // onto a lock (which is never empty) fails, and onto nothing or an empty leftover succeeds.
  const prepared = besideLock(path, token);
  try {
    mkdirSync(prepared, { mode: DIR_MODE });
    writeFileSync(ownerFile(prepared), JSON.stringify({ ...selfOwner(), token, since: Date.now() }), { mode: FILE_MODE, flag: 'wx' });
  } catch (error) {
    throw cannotLock(path, error);
  }
  const deadline = Date.now() + lockPatienceMs(staleMs);
  let pause = 1;
  let lookedAt = Number.NEGATIVE_INFINITY;
  try {
    for (;;) {
      const look = Date.now() - lookedAt >= OWNER_LOOK_MS;
      if (look) lookedAt = Date.now();
      if (tryTake(path, prepared, look)) return { since: Date.now(), token };
      if (Date.now() >= deadline) {
        const holder = inspectLock(path);
        const who = holder ? describeHolder(holder) : 'held by another process';
        throw new WorkersError('lock', `Could not lock ${path} within ${Math.round(lockPatienceMs(staleMs) / 1000)} s: ${who}.`);
      }
      await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
      pause = Math.min(10, pause * 1.2);
    }
  } catch (error) {
    rmSync(prepared, { recursive: true, force: true });
    throw error;
  }
}

/**
 * How often a waiter looks at who holds the lock (an owner file read and a /proc look): a held
 * lock is tried every few milliseconds, and in a busy pool most of those tries found a live
 * holder at the cost of the look (docs/PERFORMANCE.md, "A task's fixed cost"). A dead holder is
 * still taken over at the first try, or within this long.
 */
const OWNER_LOOK_MS = 100;

/** One attempt: the rename, or else (when `look`) the takeover of a lock whose owner is gone. */
function tryTake(path: string, prepared: string, look: boolean): boolean {
  const dir = lockDir(path);
  try {
    renameSync(prepared, dir);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw cannotLock(path, error);
  }
  if (!look) return false;
  const owner = readOwner(dir);
  // No owner: released a moment ago; the next attempt takes it.
  if (owner === undefined) return false;
  if (owner !== 'unreadable' && ownerState(owner) !== 'gone') return false;
  takeOver(path, owner);
  return false;
}

/**
 * Removes a stale lock: renamed aside first, so that if another process took it over and locked
 * afresh in between, the fresh lock is noticed (its token differs) and put back.
 */
function takeOver(path: string, stale: LockOwner | 'unreadable'): void {
  const dir = lockDir(path);
  const aside = besideLock(path, `stale-${newToken()}`);
  try {
    renameSync(dir, aside);
  } catch {
    return; // someone else moved it first
  }
  const moved = readOwner(aside);
  const same = stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.token === stale.token;
  if (!same) {
    try {
      renameSync(aside, dir);
      return;
    } catch {
      // A third process locked meanwhile; the owner we moved notices before its next commit.
    }
  }
  rmSync(aside, { recursive: true, force: true });
}

function cannotLock(path: string, error: unknown): Error {
  const code = errnoCode(error);
  if (code !== undefined && PERMANENT_ERRORS.has(code)) {
    // A full or read-only disk is said as everywhere else: the file and what fixes it.
    const said = systemError(error, path);
    return said instanceof WorkersError
      ? said
      : new WorkersError('lock', `Cannot lock ${path}: ${(error as Error).message}.`, { cause: error });
  }
  return error as Error;
}

function release(path: string, token: string): void {
  const dir = lockDir(path);
  const releasing = (async () => {
    const text = await readFile(ownerFile(dir), 'utf8');
    // Not ours any more: taken over, so not ours to remove.
    if (!text.includes(tokenField(token))) return;
    await unlink(ownerFile(dir));
    // An empty lock directory is free; removing it is tidiness, and fails if another took it.
    await rmdir(dir);
  })().catch(() => undefined);
  releasingByPath.set(path, releasing);
  void releasing.then(() => {
    if (releasingByPath.get(path) === releasing) releasingByPath.delete(path);
    if (ownedByPath.get(path) === token) ownedByPath.delete(path);
  });
}
