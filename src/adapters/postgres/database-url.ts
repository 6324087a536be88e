/**
 * WORKERS_DATABASE_URL, in the forms libpq accepts: a URI (postgres://user:password@host:port/db,
 * with an empty host and ?host=/socket/dir for a socket directory), the keyword/value form
 * (`host=/run/pg port=5433 dbname=workers`), or, ours, the absolute path of a socket directory.
 * Of libpq's parameters, host, port, user, password, dbname, connect_timeout and application_name
 * are understood; any other (sslmode, several hosts, ...) is refused by name, never ignored. The
 * password is only ever handed to `pg`; what is shown to people is `description`, which never
 * includes it.
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

const SUPPORTED = ['host', 'port', 'user', 'password', 'dbname', 'connect_timeout', 'application_name'] as const;
type Parameter = (typeof SUPPORTED)[number];
type Parameters = Partial<Record<Parameter, string>>;

const unsupported = (name: string) =>
  new WorkersError('config', `WORKERS_DATABASE_URL sets ${name}, which this toolkit does not support; use only ${SUPPORTED.join(', ')}.`);

const isSupported = (name: string): name is Parameter => (SUPPORTED as readonly string[]).includes(name);

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badUrl();
  }
}

/** libpq's URI: postgres[ql]://[user[:password]@][host][:port][/dbname][?name=value&...]. */
function parseUri(value: string): Parameters {
  if (/^postgres(?:ql)?:\/\/[^/?#]*,/.test(value)) throw unsupported('several hosts');
  const match = /^postgres(?:ql)?:\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^:/?#]*)(?::([^/?#]*))?(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(value);
  if (match === null) throw badUrl();
  const [, userinfo, host, port, path, query] = match;
  const found: Parameters = {};
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    found.user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) found.password = decode(userinfo.slice(colon + 1));
  }
  if (host) found.host = decode(host.replace(/^\[(.*)\]$/, '$1'));
  if (port !== undefined && port !== '') found.port = port;
  if (path) found.dbname = decode(path);
  for (const pair of (query ?? '').split('&').filter(Boolean)) {
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    if (!isSupported(name)) throw unsupported(name);
    found[name] = decode(equals < 0 ? '' : pair.slice(equals + 1).replace(/\+/g, ' '));
  }
  return found;
}

/** libpq's keyword/value form: `name=value` pairs; a value may be quoted '...' with \' and \\. */
function parseKeywords(value: string): Parameters {
  const found: Parameters = {};
  const pair = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?:[^\s'\\]|\\.)*))\s*/y;
  while (pair.lastIndex < value.length) {
    const match = pair.exec(value);
    if (match === null) throw badUrl();
    const [, name, quoted, bare] = match as unknown as [string, string, string | undefined, string | undefined];
    if (!isSupported(name)) throw unsupported(name);
    found[name] = (quoted ?? bare ?? '').replace(/\\(.)/g, '$1');
  }
  return found;
}

/** `env` supplies libpq's PGHOST, PGUSER, PGPORT, PGDATABASE defaults for the parts the text leaves out. */
export function parseDatabaseUrl(text: string | undefined, env: Readonly<Record<string, string | undefined>>): DatabaseTarget {
  const value = (text ?? '').trim();
  if (value === '')
    throw new WorkersError(
      'config',
      'WORKER_BACKEND=postgres needs WORKERS_DATABASE_URL (a postgres:// URL, libpq keyword/value settings or a socket directory).',
    );
  let found: Parameters;
  if (value.startsWith('/')) {
    if (/\s/.test(value)) throw badUrl();
    found = { host: value };
  } else if (/^postgres(?:ql)?:\/\//.test(value)) {
    found = parseUri(value);
  } else if (/^[A-Za-z_]+\s*=/.test(value)) {
    found = parseKeywords(value);
  } else {
    throw badUrl();
  }
  const user = found.user || env.PGUSER || env.USER || 'postgres';
  const host = found.host || env.PGHOST || 'localhost';
  if (host.includes(',')) throw unsupported('several hosts');
  const port = found.port || env.PGPORT || '5432';
  if (!/^\d{1,5}$/.test(port)) throw badUrl();
  const database = found.dbname || env.PGDATABASE || user;
  const timeout = found.connect_timeout === undefined ? undefined : Number(found.connect_timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 0)) throw unsupported(`connect_timeout=${found.connect_timeout}`);
  return {
    config: {
      host,
      port: Number(port),
      user,
      database,
      ...(found.password === undefined ? {} : { password: found.password }),
      ...(timeout ? { connectionTimeoutMillis: timeout * 1000 } : {}),
      ...(found.application_name === undefined ? {} : { application_name: found.application_name }),
    },
    description: `${user}@${host}:${port}/${database}`,
  };
}

/** Variables that carry the database password: never passed on to an agent's run. */
export const DATABASE_SECRET_VARIABLES = ['WORKERS_DATABASE_URL', 'PGPASSWORD'] as const;

/** What a manager and its workers need to reach the database as setup did (libpq's own defaults included). */
export const DATABASE_VARIABLES = ['WORKERS_DATABASE_URL', 'PGHOST', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD', 'PGPASSFILE'] as const;

export function withoutDatabaseSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const copy = { ...env };
  for (const name of DATABASE_SECRET_VARIABLES) delete copy[name];
  return copy;
}
