/**
 * WORKERS_DATABASE_URL: a libpq URL (postgres://user:password@host:port/db) or the absolute path of
 * a socket directory. The password is only ever handed to `pg`; what is shown to people is
 * `describeDatabase`, which never includes it.
 */
import type { ClientConfig } from 'pg';
import { WorkersError } from '../../core/errors.js';

export interface DatabaseTarget {
  readonly config: ClientConfig;
  /** user@host:port/database, for messages and notices. */
  readonly description: string;
}

const badUrl = () =>
  new WorkersError(
    'config',
    'WORKERS_DATABASE_URL is neither a postgres:// or postgresql:// URL nor an absolute socket directory; set it to one of those.',
  );

/** `env` supplies libpq's PGUSER, PGPORT, PGDATABASE defaults for the parts the URL leaves out. */
export function parseDatabaseUrl(text: string | undefined, env: Readonly<Record<string, string | undefined>>): DatabaseTarget {
  const value = (text ?? '').trim();
  if (value === '')
    throw new WorkersError('config', 'WORKER_BACKEND=postgres needs WORKERS_DATABASE_URL (a postgres:// URL or a socket directory).');
  const defaults = { user: env.PGUSER || env.USER || 'postgres', port: env.PGPORT || '5432' };
  if (value.startsWith('/')) {
    if (/\s/.test(value)) throw badUrl();
    const database = env.PGDATABASE || defaults.user;
    return {
      config: { host: value, port: Number(defaults.port), user: defaults.user, database },
      description: `${defaults.user}@${value}:${defaults.port}/${database}`,
    };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badUrl();
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw badUrl();
  if (url.port !== '' && !/^\d{1,5}$/.test(url.port)) throw badUrl();
  const user = decodeURIComponent(url.username) || defaults.user;
  // ?host=/socket/dir is libpq's way to put a socket directory into a URL.
  const host = url.searchParams.get('host') || decodeURIComponent(url.hostname) || 'localhost';
  const port = url.port || url.searchParams.get('port') || defaults.port;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || env.PGDATABASE || user;
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  return {
    config: { host, port: Number(port), user, database, ...(password === undefined ? {} : { password }) },
    description: `${user}@${host}:${port}/${database}`,
  };
}

/** Variables that carry the database password: never passed on to an agent's run. */
export const DATABASE_SECRET_VARIABLES = ['WORKERS_DATABASE_URL', 'PGPASSWORD'] as const;

export function withoutDatabaseSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const copy = { ...env };
  for (const name of DATABASE_SECRET_VARIABLES) delete copy[name];
  return copy;
}
