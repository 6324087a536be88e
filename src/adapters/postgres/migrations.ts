/**
 * The schema, as numbered migrations applied in order. `migrate` applies the missing ones in one
 * transaction under an advisory lock, so two hosts running setup at once are safe; `checkSchema`
 * refuses a database whose schema is older (not migrated) or newer (a newer toolkit) than the code.
 */
import { WorkersError } from '../../core/errors.js';
import type { Database, Queryable } from './database.js';
import { FLEET_SCHEMA_SQL } from './fleet-schema.js';

/**
 * The pool-wide usage pause shared by every host (one row at most; a trigger notifies `hw_pause`
 * on every change), and an index for the kill requests (`run.killRequested`) a host's manager
 * looks for at every pass. `hw_queue` is notified per changed row, and not for a lease renewal:
 * the statement trigger also fired for the heartbeats' renewals (even of no row), waking every
 * idle worker of every host at each beat.
 */
const PAUSE_AND_WAKEUPS = `
   CREATE TABLE hw_pause (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     paused_until timestamptz NOT NULL,
     resets_at timestamptz,
     limit_type text,
     set_at timestamptz NOT NULL,
     host text NOT NULL,
     worker text NOT NULL,
     reason text NOT NULL
   );
   CREATE FUNCTION hw_notify_pause() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN PERFORM pg_notify('hw_pause', ''); RETURN NULL; END $$;
   CREATE TRIGGER hw_pause_changed AFTER INSERT OR UPDATE OR DELETE ON hw_pause
     FOR EACH STATEMENT EXECUTE FUNCTION hw_notify_pause();
   DROP TRIGGER hw_tasks_changed ON hw_tasks;
   CREATE TRIGGER hw_tasks_added_or_removed AFTER INSERT OR DELETE ON hw_tasks
     FOR EACH ROW EXECUTE FUNCTION hw_notify_queue();
   CREATE TRIGGER hw_tasks_changed AFTER UPDATE ON hw_tasks FOR EACH ROW
     WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.run IS DISTINCT FROM NEW.run OR OLD.not_before IS DISTINCT FROM NEW.not_before
       OR OLD.attempts IS DISTINCT FROM NEW.attempts OR OLD.worker_id IS DISTINCT FROM NEW.worker_id)
     EXECUTE FUNCTION hw_notify_queue();
   CREATE INDEX hw_tasks_kill_requested ON hw_tasks ((run->>'host')) WHERE status = 'claimed' AND (run->>'killRequested')::boolean;`;

/**
 * Each task's repository (NULL: queued before it was recorded, "repository unknown"), and the
 * `cancelled` status of a task whose run a person killed.
 */
const REPOSITORY_AND_CANCELLED = `
   ALTER TABLE hw_tasks ADD COLUMN repo text;
   ALTER TABLE hw_tasks DROP CONSTRAINT hw_tasks_status_check;
   ALTER TABLE hw_tasks ADD CONSTRAINT hw_tasks_status_check
     CHECK (status IN ('queued', 'claimed', 'done', 'failed', 'review', 'cancelled'));`;

const MIGRATIONS: readonly string[] = [
  `CREATE SEQUENCE hw_lease_tokens;
   CREATE TABLE hw_tasks (
     id bigserial PRIMARY KEY,
     subissue text NOT NULL,
     parent text NOT NULL,
     priority integer NOT NULL,
     status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'done', 'failed', 'review')),
     host text,
     worker_id integer,
     attempts integer NOT NULL DEFAULT 0,
     not_before timestamptz,
     created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
     claimed_at timestamptz,
     finished_at timestamptz,
     last_error text,
     lease_token bigint,
     lease_expires_at timestamptz,
     run jsonb
   );
   CREATE INDEX hw_tasks_queued ON hw_tasks (priority, created_at, id) WHERE status = 'queued';
   CREATE INDEX hw_tasks_held ON hw_tasks (host, worker_id) WHERE status = 'claimed';
   CREATE INDEX hw_tasks_active_subissue ON hw_tasks (subissue) WHERE status IN ('queued', 'claimed');
   CREATE FUNCTION hw_notify_queue() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN PERFORM pg_notify('hw_queue', ''); RETURN NULL; END $$;
   CREATE TRIGGER hw_tasks_changed AFTER INSERT OR UPDATE OR DELETE ON hw_tasks
     FOR EACH STATEMENT EXECUTE FUNCTION hw_notify_queue();`,
  FLEET_SCHEMA_SQL,
  PAUSE_AND_WAKEUPS,
  REPOSITORY_AND_CANCELLED,
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
