/**
 * The one way to get the pool-wide pause: in the shared database on the postgres backend (every
 * host's workers honour it), else the file in the data root. The database is opened on first use,
 * so a tool that never looks at the pause never loads `pg`.
 */
import { sharesDatabase } from '../core/shared-database.js';
import type { Database } from '../adapters/postgres/database.js';
import type { Settings } from '../core/settings.js';
import { workerHost } from '../core/worker-ref.js';
import { UsagePause, type PoolPause, type UsagePauseOptions } from './usage-pause.js';

export interface PoolPauseOptions extends Omit<UsagePauseOptions, 'random' | 'jitterMaxMs'> {
  readonly settings: Pick<Settings, 'WORKER_BACKEND' | 'WORKER_HOST'>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Only the workers set a pause: readers leave them out (no jitter). */
  readonly random?: () => number;
  readonly jitterMaxMs?: number;
  /** The caller's open database (a worker's queue), so the pause takes no connections of its own. */
  readonly database?: Database;
}

export function openPoolPause(options: PoolPauseOptions): PoolPause {
  const choice = { ...options, random: options.random ?? (() => 0), jitterMaxMs: options.jitterMaxMs ?? 0 };
  if (!sharesDatabase(options.settings)) return new UsagePause(choice);
  let opened: Promise<PoolPause> | undefined;
  const open = () =>
    (opened ??= Promise.all([import('./database-pause.js'), import('../adapters/postgres/shared-database.js')]).then(
      ([{ DatabasePause }, { sharedDatabase }]) =>
        new DatabasePause(options.database ?? sharedDatabase(options.env), workerHost(options.settings), choice),
    ));
  return {
    pauseFor: async (seen) => (await open()).pauseFor(seen),
    holdForPerson: async (seen) => (await open()).holdForPerson(seen),
    current: async () => (await open()).current(),
    lift: async () => (await open()).lift(),
  };
}
