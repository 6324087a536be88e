/**
 * The one place that picks where health and history live: with WORKER_BACKEND=postgres the
 * database every host shares, otherwise this host's JSON files (docs/SPEC.md section 9.4).
 */
import { sharesDatabase } from '../core/shared-database.js';
import type { Database } from '../adapters/postgres/database.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { workerHost } from '../core/worker-ref.js';
import { HealthService } from './health-service.js';
import type { HealthStore } from './health-store.js';
import { PostgresHealthStore } from './postgres-health-store.js';
import { PostgresTaskHistory } from '../history/postgres-task-history.js';
import { FileTaskHistory, type TaskHistoryStore } from '../history/task-history-store.js';

export interface FleetStores {
  readonly health: HealthStore;
  readonly history: TaskHistoryStore;
  /** Ends the process's database connections, if any were opened (a short command exits without it; the next use opens them again). */
  close(): Promise<void>;
}

export interface FleetStoreContext {
  readonly paths: DataPaths;
  readonly settings: Pick<Settings, 'LOCK_STALE_TIMEOUT' | 'WORKER_HOST' | 'WORKER_BACKEND'>;
  /** WORKERS_DATABASE_URL and libpq's defaults. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
}

/**
 * The process's shared database (adapters/postgres/shared-database.ts), its schema checked at the
 * first statement; a failed check is tried again next time.
 */
function lazyDatabase(env: Readonly<Record<string, string | undefined>>) {
  let opened: Promise<Database> | undefined;
  const open = async () => {
    const [{ sharedDatabase }, { checkSchema }] = await Promise.all([
      import('../adapters/postgres/shared-database.js'),
      import('../adapters/postgres/migrations.js'),
    ]);
    const database = sharedDatabase(env);
    await checkSchema(database);
    return database;
  };
  return {
    get: () =>
      (opened ??= open().catch((error: unknown) => {
        opened = undefined;
        throw error;
      })),
    close: async () => {
      opened = undefined;
      const { closeSharedDatabase } = await import('../adapters/postgres/shared-database.js');
      await closeSharedDatabase(env);
    },
  };
}

export function openFleetStores(context: FleetStoreContext): FleetStores {
  const { paths, settings } = context;
  const now = context.now ?? (() => new Date());
  const file = new FileTaskHistory(paths.historyFile);
  if (!sharesDatabase(settings)) {
    return { health: new HealthService({ paths, settings, now }), history: file, close: () => Promise.resolve() };
  }
  const database = lazyDatabase(context.env ?? {});
  const host = workerHost(settings);
  return {
    health: new PostgresHealthStore({ database: database.get, host, paths, now }),
    history: new PostgresTaskHistory(database.get, host, file),
    close: database.close,
  };
}

/** The health store alone, for the many callers that need nothing else. */
export const openHealthStore = (context: FleetStoreContext): HealthStore => openFleetStores(context).health;
