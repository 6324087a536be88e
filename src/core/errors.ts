/**
 * Typed errors. Core code throws these; only src/cli/run-cli.ts turns them into a message and an
 * exit code, so a library caller can catch them by `kind` instead of parsing messages.
 */
export type ErrorKind =
  | 'usage' // bad arguments: exit 2
  | 'config' // invalid settings or config.json: exit 2
  | 'data-root' // the data root cannot be used
  | 'lock' // a file lock could not be taken in time
  | 'store' // a state file could not be read or written
  | 'not-found' // a worker or task that does not exist
  | 'conflict' // the request contradicts the current state
  | 'tool'; // an external program (tmux, git, pueue) failed

export class WorkersError extends Error {
  readonly kind: ErrorKind;
  /** Exit code for the CLI; a command may override it (check answers 3 for unknown). */
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkersError';
    this.kind = kind;
    this.exitCode = options.exitCode ?? (kind === 'usage' || kind === 'config' ? 2 : 1);
  }
}

export const usageError = (message: string, exitCode?: number) =>
  new WorkersError('usage', message, exitCode === undefined ? {} : { exitCode });

export const isWorkersError = (error: unknown): error is WorkersError => error instanceof WorkersError;

/** The errno code of a Node system error, if it has one. */
export const errnoCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/** What the user can do about a failed file operation, by errno code. */
const SYSTEM_FIXES: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full; free some space and try again',
  EDQUOT: 'the disk quota is used up; free some space and try again',
  EROFS: 'the file system is read-only; remount it read-write or set CLAUDE_WORKERS_HOME to a writable directory',
  EACCES: 'permission denied; make it yours (chown, chmod u+rw) or set CLAUDE_WORKERS_HOME to a directory of yours',
  EPERM: 'permission denied; make it yours (chown, chmod u+rw) or set CLAUDE_WORKERS_HOME to a directory of yours',
};

/**
 * A full disk, a read-only or someone else's file system as one sentence naming the path and the
 * fix; any other error as it was. `path` defaults to the one the system error names.
 */
export function systemError(error: unknown, path?: string): unknown {
  // A typed error about a failed system call (say, a lock that could not be made) gets the fix too.
  const system = isWorkersError(error) ? error.cause : error;
  const code = errnoCode(system);
  const fix = code === undefined ? undefined : SYSTEM_FIXES[code];
  if (fix === undefined) return error;
  const target = path ?? (system as { path?: unknown }).path;
  if (typeof target !== 'string') return error;
  return new WorkersError('data-root', `Cannot use ${target}: ${fix}.`, { cause: system });
}
