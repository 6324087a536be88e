import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { WorkersError, errnoCode, systemError } from './errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const { O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY } = constants;
/** A final symlink is refused (ELOOP) and a FIFO opens without waiting for a writer. */
const SAFE_OPEN = O_NOFOLLOW | O_NONBLOCK;
/** Appends where each write lands at the end, whoever else appends (read too: the last byte is looked at). */
export const APPEND_FLAGS = O_RDWR | O_APPEND | O_CREAT;
/** A file that must be new: an existing one, or a link planted in its place, is an error. */
const CREATE_NEW_FLAGS = O_WRONLY | O_CREAT | O_EXCL;

const ownUid = process.getuid?.();
const LOOSE_BITS = 0o022;

/**
 * What is under the data root must be the user's and writable by the user alone, as ssh demands of
 * ~/.ssh: anyone else who can write there can plant a link or a file the toolkit then trusts.
 */
function checkPrivate(path: string, info: Stats, what: string): void {
  if (ownUid !== undefined && info.uid !== ownUid) {
    throw new WorkersError(
      'data-root',
      `The ${what} ${path} is owned by uid ${info.uid}, not by you; fix it with \`chown ${ownUid} ${path}\`.`,
    );
  }
  if ((info.mode & LOOSE_BITS) !== 0) {
    const mode = what === 'file' ? '600' : '700';
    throw new WorkersError('data-root', `The ${what} ${path} is writable by group or others; fix it with \`chmod ${mode} ${path}\`.`);
  }
}

/** A directory the toolkit keeps files in: a real directory (not a link to one), private to the user. */
function checkPrivateDir(path: string): void {
  const info = lstatSync(path);
  if (info.isSymbolicLink()) {
    throw new WorkersError(
      'data-root',
      `The directory ${path} is a symbolic link; the toolkit does not follow links under its data root: remove it (\`rm ${path}\`).`,
    );
  }
  if (!info.isDirectory()) throw new WorkersError('data-root', `Cannot use ${path} as a directory: a file is in the way.`);
  checkPrivate(path, info, 'directory');
}

/** A file opened for writing must also be private; a file only read need only be regular (a history given by path may be anyone's). */
function checkRegularFile(path: string, info: Stats, forWriting: boolean): void {
  if (!info.isFile()) {
    const kind = info.isFIFO() ? 'a FIFO' : info.isDirectory() ? 'a directory' : info.isSocket() ? 'a socket' : 'a special file';
    throw new WorkersError('data-root', `${path} is ${kind}, not a regular file; remove it (\`rm ${path}\`) and try again.`);
  }
  if (forWriting) checkPrivate(path, info, 'file');
}

const linkRefusal = (path: string, cause: unknown) =>
  new WorkersError(
    'data-root',
    `${path} is a symbolic link; the toolkit does not follow links under its data root: remove it (\`rm ${path}\`).`,
    { cause },
  );

/**
 * Opens a file of the data root without following a final link and without blocking on a FIFO,
 * and checks that it is a regular file of the user's (fstat, so what is checked is what is open).
 */
export function openDataFileSync(path: string, flags: number, mode = FILE_MODE): number {
  let fd: number;
  try {
    fd = openSync(path, flags | SAFE_OPEN, mode);
  } catch (error) {
    if (errnoCode(error) === 'ELOOP') throw linkRefusal(path, error);
    throw error;
  }
  try {
    const info = fstatSync(fd);
    const forWriting = (flags & (O_WRONLY | O_RDWR)) !== 0;
    checkRegularFile(path, info, forWriting);
    // A file the toolkit writes is kept 0600, whatever mode an earlier version or a person gave it.
    if (forWriting && (info.mode & 0o777) !== mode) fchmodSync(fd, mode);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** The async twin of openDataFileSync, for readers that stream. */
export async function openDataFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, O_RDONLY | SAFE_OPEN);
  } catch (error) {
    if (errnoCode(error) === 'ELOOP') throw linkRefusal(path, error);
    throw error;
  }
  try {
    checkRegularFile(path, await handle.stat(), false);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/** Reads a file of the data root (see openDataFileSync); a missing file throws ENOENT as usual. */
export function readDataFileSync(path: string): string {
  const fd = openDataFileSync(path, O_RDONLY);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes a file that must be new (0600, O_EXCL): whatever stood at its name, a planted link included, is removed first. */
export function writeNewFileSync(path: string, content: string): void {
  ensureDirSync(dirname(path));
  removeQuietly(path);
  const fd = openDataFileSync(path, CREATE_NEW_FLAGS);
  try {
    writeFileSync(fd, content, 'utf8');
  } catch (error) {
    closeSync(fd);
    removeQuietly(path);
    throw systemError(error, path);
  }
  closeSync(fd);
}

let tempSequence = 0;
/**
 * Unique per process (pid), per call (sequence) and across a reused pid (time). It needs no
 * secrecy, since the directory is 0700 and the temp file is opened exclusively ('wx'); and not
 * loading node:crypto keeps it out of every command's start-up.
 */
const tempSuffix = () => `${process.pid}.${Date.now().toString(36)}.${(tempSequence += 1)}`;

/**
 * Creates a directory (and parents) with mode 0700; a path that is a file is a clear error.
 * Synchronous, as is the atomic write: each is a few system calls of microseconds, cheaper than
 * the thread-pool round trips of their async twins, which dominated a heartbeat's latency.
 */
export function ensureDirSync(path: string, options: { readonly shared?: boolean } = {}): void {
  try {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
    if (options.shared !== true) checkPrivateDir(path);
  } catch (error) {
    if (error instanceof WorkersError) throw error;
    const cause = errnoCode(error) === 'ENOENT' ? realMkdirError(path, error) : error;
    const code = errnoCode(cause);
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new WorkersError('data-root', `Cannot use ${path} as a directory: a file is in the way.`, { cause });
    }
    throw systemError(cause, path);
  }
}

/** A recursive mkdir reports ENOENT for a read-only file system (Node 20); one level tells the real cause. */
function realMkdirError(path: string, error: unknown): unknown {
  try {
    mkdirSync(path, { mode: DIR_MODE });
    return error;
  } catch (again) {
    return again;
  }
}

/**
 * Fails early with one sentence when the data root cannot be used: not a directory, a link to
 * nothing, someone else's or writable by others (its parents are the user's business). Returns
 * its real path, so that a data root reached through a link is checked like any other.
 */
export function verifyDataRoot(root: string): string {
  const notADirectory = () =>
    new WorkersError('data-root', `The data root ${root} is not a directory; set CLAUDE_WORKERS_HOME to a directory.`);
  let real: string;
  try {
    real = realpathSync(root);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' && isLink(root)) {
      throw new WorkersError(
        'data-root',
        `The data root ${root} is a symbolic link to a directory that does not exist; create that directory or set CLAUDE_WORKERS_HOME to another.`,
      );
    }
    if (code === 'ENOENT') return root;
    if (code === 'ENOTDIR') throw notADirectory();
    if (code === 'EACCES') throw new WorkersError('data-root', `The data root ${root} cannot be read: permission denied.`);
    throw error;
  }
  const info = lstatSync(real);
  if (!info.isDirectory()) throw notADirectory();
  checkPrivate(root, info, 'data root');
  return real;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Replaces `path` with `content` so readers see the old file or the new one, never a part:
 * a uniquely named temp file in the same directory, fsync, then rename over the target.
 * `mode` (default 0600) is for files meant for other readers, such as a metrics export, and
 * `sharedDir` for a directory outside the data root that is not held to its privacy rules.
 */
export function writeFileAtomicSync(
  path: string,
  content: string,
  // `beforeRename` may throw to discard the write (a lock holder that lost its lock).
  options: { readonly mode?: number; readonly sharedDir?: boolean; readonly beforeRename?: () => void } = {},
): void {
  const dir = dirname(path);
  ensureDirSync(dir, { shared: options.sharedDir === true });
  const stem = join(dir, `.${basename(path)}.${tempSuffix()}`);
  const temp = `${stem}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, 'wx', options.mode ?? FILE_MODE);
  } catch (error) {
    throw systemError(error, path);
  }
  let previous: string | undefined;
  try {
    try {
      writeFileSync(fd, content, 'utf8');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    options.beforeRename?.();
    previous = keepAlive(path, `${stem}.old`);
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw systemError(error, path);
  } finally {
    if (previous !== undefined) removeLater(previous);
  }
}

/**
 * Gives the file about to be replaced a second name, so the rename does not free its blocks.
 * Freeing them is most of a replacing rename's cost on a disk mounted with `discard` (1.6 ms
 * against 0.02 ms here), and it would be paid inside the caller's lock; the second name is
 * removed afterwards on the thread pool. Undefined when there is no file yet.
 */
function keepAlive(path: string, secondName: string): string | undefined {
  try {
    linkSync(path, secondName);
    return secondName;
  } catch {
    return undefined;
  }
}

const removalsInFlight = new Set<string>();

/** Removes `file` off the caller's path; an exit before that finishes removes it synchronously. */
function removeLater(file: string): void {
  if (removalsInFlight.size === 0) process.once('exit', removeInFlightNow);
  removalsInFlight.add(file);
  void unlink(file)
    .catch(() => undefined)
    .finally(() => {
      removalsInFlight.delete(file);
      if (removalsInFlight.size === 0) process.removeListener('exit', removeInFlightNow);
    });
}

function removeInFlightNow(): void {
  for (const file of removalsInFlight) removeQuietly(file);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or never created.
  }
}
