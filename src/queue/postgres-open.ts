/** Opens the postgres queue backend from the settings and WORKERS_DATABASE_URL (see open-backend.ts). */
import type { Settings } from '../core/settings.js';
import { workerHost } from '../core/worker-ref.js';
import { Database } from '../adapters/postgres/database.js';
import { parseDatabaseUrl, withoutDatabaseSecrets } from '../adapters/postgres/database-url.js';
import { checkSchema, migrate, type MigrationResult } from '../adapters/postgres/migrations.js';
import type { BackendOptions } from './backend-options.js';
import { PostgresBackend } from './postgres-backend.js';

export type PostgresSettings = Pick<Settings, 'WORKER_HOST' | 'LEASE_TIMEOUT' | 'DEAD_WORKER_THRESHOLD'>;

/** LEASE_TIMEOUT, or by default twice DEAD_WORKER_THRESHOLD. */
export const leaseMs = (settings: Pick<Settings, 'LEASE_TIMEOUT' | 'DEAD_WORKER_THRESHOLD'>) =>
  settings.LEASE_TIMEOUT || 2 * settings.DEAD_WORKER_THRESHOLD;

export const openDatabase = (env: Readonly<Record<string, string | undefined>>) =>
  new Database(parseDatabaseUrl(env.WORKERS_DATABASE_URL, env));

const sharedDatabases = new Map<string, Database>();

/**
 * One pool per process and URL for the queue, the pause, health and history, so a worker holds at
 * most POOL_SIZE statement connections plus its LISTEN (docs/SPEC.md section 9.4).
 */
export function sharedDatabase(env: Readonly<Record<string, string | undefined>>): Database {
  const key = env.WORKERS_DATABASE_URL ?? '';
  let database = sharedDatabases.get(key);
  if (database === undefined) {
    database = openDatabase(env);
    sharedDatabases.set(key, database);
  }
  return database;
}

/** Ends the shared pool of this URL; the next sharedDatabase opens a new one. */
export async function closeSharedDatabase(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const key = env.WORKERS_DATABASE_URL ?? '';
  const database = sharedDatabases.get(key);
  sharedDatabases.delete(key);
  await database?.close();
}

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
  });
}

/** `worker-queue migrate` and setup: create or upgrade the schema. */
export async function migrateDatabase(
  env: Readonly<Record<string, string | undefined>>,
): Promise<MigrationResult & { readonly description: string }> {
  const database = openDatabase(env);
  try {
    return { ...(await migrate(database)), description: database.description };
  } finally {
    await database.close();
  }
}

export const describeMigration = (result: MigrationResult & { readonly description: string }) =>
  result.from === result.to
    ? `The database at ${result.description} has the current schema (version ${result.to}).`
    : `Migrated the database at ${result.description} from schema version ${result.from} to ${result.to}.`;
