/**
 * The process's database: one pool per process and URL, shared by the queue, the pause, health and
 * history (docs/SPEC.md section 9.4), and the schema commands of `worker-queue migrate` and setup.
 */
import { Database } from './database.js';
import { parseDatabaseUrl } from './database-url.js';
import { migrate, type MigrationResult } from './migrations.js';

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
