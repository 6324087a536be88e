import { WorkersError, errnoCode, isWorkersError } from '../../core/errors.js';

/** PostgreSQL SQLSTATEs that mean the server said no to this login. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET']);

/** True for errors a reconnect may cure (the server is down, restarting, or the link dropped). */
export function isConnectionLoss(error: unknown): boolean {
  const code = errnoCode(error);
  if (code !== undefined && (UNREACHABLE.has(code) || code.startsWith('57P') || code === '08006' || code === '08001' || code === '08003'))
    return true;
  return (
    error instanceof Error &&
    /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|Query read timeout/i.test(
      error.message,
    )
  );
}

/** One sentence for what went wrong talking to the database at `description` (never the password). */
export function databaseError(error: unknown, description: string): WorkersError {
  if (isWorkersError(error)) return error;
  const code = errnoCode(error);
  if (code !== undefined && LOGIN_REFUSED.has(code)) {
    return new WorkersError(
      'config',
      `The database at ${description} refused the login; check the user and password of WORKERS_DATABASE_URL (or ~/.pgpass).`,
      { cause: error },
    );
  }
  if (code === '3D000')
    return new WorkersError('config', `The database at ${description} does not exist; create it (createdb) or fix WORKERS_DATABASE_URL.`, {
      cause: error,
    });
  if (isConnectionLoss(error)) {
    return new WorkersError(
      'tool',
      `Cannot reach the database at ${description}; is PostgreSQL running there and WORKERS_DATABASE_URL right?`,
      { cause: error },
    );
  }
  const detail = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
  return new WorkersError('tool', `The database at ${description} failed: ${detail}.`, { cause: error });
}
