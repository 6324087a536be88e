/** Opens the postgres queue backend from the settings and WORKERS_DATABASE_URL (see open-backend.ts). */
import type { Settings } from '../../../core/settings.js';
import { workerHost } from '../../../core/worker-ref.js';
import { parseDatabaseUrl, withoutDatabaseSecrets } from '../../../adapters/postgres/database-url.js';
import { checkSchema } from '../../../adapters/postgres/migrations.js';
import { sharedDatabase } from '../../../adapters/postgres/shared-database.js';
import type { BackendOptions } from '../../backend-options.js';
import { PostgresBackend } from './postgres-backend.js';

export type PostgresSettings = Pick<Settings, 'WORKER_HOST' | 'LEASE_TIMEOUT' | 'DEAD_WORKER_THRESHOLD' | 'POSTGRES_POLL_INTERVAL'>;

/** LEASE_TIMEOUT, or by default twice DEAD_WORKER_THRESHOLD. */
export const leaseMs = (settings: Pick<Settings, 'LEASE_TIMEOUT' | 'DEAD_WORKER_THRESHOLD'>) =>
  settings.LEASE_TIMEOUT || 2 * settings.DEAD_WORKER_THRESHOLD;

export function describePostgres(settings: PostgresSettings, env: Readonly<Record<string, string | undefined>>): string {
  return `${parseDatabaseUrl(env.WORKERS_DATABASE_URL, env).description} as host ${workerHost(settings)}`;
}

export async function openPostgresBackend(base: BackendOptions, settings: PostgresSettings): Promise<PostgresBackend> {
  const database = sharedDatabase(base.env);
  await checkSchema(database);
  // Runs never see the database password.
  return new PostgresBackend({
    ...base,
    env: withoutDatabaseSecrets(base.env),
    database,
    host: workerHost(settings),
    leaseMs: leaseMs(settings),
    idlePollMs: settings.POSTGRES_POLL_INTERVAL,
  });
}
