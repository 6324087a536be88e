import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { WorkersError, errnoCode } from './errors.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

let tempSequence = 0;
/**
 * Unique per process (pid), per call (sequence) and across a reused pid (time). It needs no
 * secrecy, since the directory is 0700 and the temp file is opened exclusively ('wx'); and not
 * loading node:crypto keeps it out of every command's start-up.
 */
const tempSuffix = () => `${process.pid}.${Date.now().toString(36)}.${(tempSequence += 1)}`;

/** Creates a directory (and parents) with mode 0700; a path that is a file is a clear error. */
export async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: DIR_MODE });
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new WorkersError('data-root', `Cannot use ${path} as a directory: a file is in the way.`, { cause: error });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new WorkersError('data-root', `Cannot create ${path}: permission denied.`, { cause: error });
    }
    throw error;
  }
}

/** Fails early with one sentence when the data root exists but is not a usable directory. */
export async function verifyDataRoot(root: string): Promise<void> {
  try {
    const info = await stat(root);
    if (!info.isDirectory()) {
      throw new WorkersError('data-root', `The data root ${root} is not a directory; set CLAUDE_WORKERS_HOME to a directory.`);
    }
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') {
      throw new WorkersError('data-root', `The data root ${root} is not a directory; set CLAUDE_WORKERS_HOME to a directory.`);
    }
    if (code === 'EACCES') throw new WorkersError('data-root', `The data root ${root} cannot be read: permission denied.`);
    throw error;
  }
}

/**
 * Replaces `path` with `content` so readers see the old file or the new one, never a part:
 * a uniquely named temp file in the same directory, fsync, then rename over the target.
 * `mode` (default 0600) is for files meant for other readers, such as a metrics export.
 */
export async function writeFileAtomic(path: string, content: string, options: { readonly mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const temp = join(dir, `.${basename(path)}.${tempSuffix()}.tmp`);
  const handle = await open(temp, 'wx', options.mode ?? FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
