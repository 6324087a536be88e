/**
 * The schema, as numbered migrations applied in order. `migrate` applies the missing ones in one
 * transaction under an advisory lock, so two hosts running setup at once are safe; `checkSchema`
 * refuses a database whose schema is older (not migrated) or newer (a newer toolkit) than the code.
 */
import { WorkersError } from '../../core/errors.js';
import type { Database, Queryable } from './database.js';
import queue from './migrations/001-queue.sql?raw';
import fleetHealthHistory from './migrations/002-fleet-health-history.sql?raw';
import pauseAndWakeups from './migrations/003-pause-and-wakeups.sql?raw';
import repositoryAndCancelled from './migrations/004-repository-and-cancelled.sql?raw';
import taskBlockers from './migrations/005-task-blockers.sql?raw';
import budgetRaises from './migrations/006-budget-raises.sql?raw';
import taskKind from './migrations/007-task-kind.sql?raw';
import resolveConflictKind from './migrations/008-resolve-conflict-kind.sql?raw';
import pullRequestLeases from './migrations/009-pull-request-leases.sql?raw';

/**
 * Migration N is migrations/NNN-name.sql, imported as its text: `?raw` is vite's form (vitest runs
 * the sources), and the one esbuild (scripts/build.mjs, its text loader for .sql) and tsc
 * (migrations/sql.d.ts) take too. A migration a database may have applied never changes: a change
 * to the schema is a new file (test/unit/postgres-migrations.test.ts holds them to that).
 */
export const MIGRATIONS: readonly string[] = [
  queue,
  fleetHealthHistory,
  pauseAndWakeups,
  repositoryAndCancelled,
  taskBlockers,
  budgetRaises,
  taskKind,
  resolveConflictKind,
  pullRequestLeases,
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
/** Any constant the toolkit alone uses: 'hw' 'mg' as a 64-bit key. */
const MIGRATION_LOCK = 0x6877_6d67;

const newerSchema = (found: number, description: string) =>
  new WorkersError(
    'config',
    `The database at ${description} has schema version ${found}, newer than this toolkit's ${SCHEMA_VERSION}; upgrade hybrid-workers on this host.`,
  );

async function readVersion(client: Queryable): Promise<number> {
  const table = await client.query<{ present: boolean }>("SELECT to_regclass('hw_schema') IS NOT NULL AS present");
  if (!table.rows[0]?.present) return 0;
  const row = await client.query<{ version: number }>('SELECT version FROM hw_schema');
  return row.rows[0]?.version ?? 0;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

export async function migrate(database: Database): Promise<MigrationResult> {
  return database.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS hw_schema (version integer NOT NULL)');
    const from = await readVersion(client);
    if (from > SCHEMA_VERSION) throw newerSchema(from, database.description);
    for (let version = from + 1; version <= SCHEMA_VERSION; version += 1) await client.query(MIGRATIONS[version - 1]!);
    await client.query('DELETE FROM hw_schema');
    await client.query('INSERT INTO hw_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    return { from, to: SCHEMA_VERSION };
  });
}

export async function checkSchema(database: Database): Promise<void> {
  const found = await readVersion(database);
  if (found > SCHEMA_VERSION) throw newerSchema(found, database.description);
  if (found < SCHEMA_VERSION) {
    throw new WorkersError(
      'config',
      `The database at ${database.description} has schema version ${found}, older than this toolkit's ${SCHEMA_VERSION}; run worker-queue migrate (or setup-hybrid-enhanced).`,
    );
  }
}
