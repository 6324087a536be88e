/**
 * openQueueBackend: the one way to get a queue. Every tool (worker, manager, performance, setup,
 * worker-queue) calls it the same way:
 *
 *   const { backend, notice } = await openQueueBackend({ paths, settings, env });
 *
 * - WORKER_BACKEND=pueue | embedded | postgres picks that backend (postgres: WORKERS_DATABASE_URL);
 *   auto picks Pueue when the `pueue` client is on env.PATH, else the embedded file queue.
 * - `notice` is one sentence saying which backend was chosen and why; the library never prints it,
 *   a CLI prints it where it informs (setup, status, `--verbose`). chooseQueueBackend gives it
 *   without opening anything. `warning` says that a damaged
 *   embedded queue lies set aside; every CLI prints it.
 * - The Pueue backend talks to the daemon of `pueueConfigPath` (else env.PUEUE_CONFIG_PATH, else
 *   Pueue's default config); tests point it at an isolated daemon this way. A daemon that is down
 *   is started on the first call, unless `startDaemon` is false (read-only tools).
 * - `env` is also the base environment of every agent run (a RunSpec adds its own variables).
 */
import { join } from 'node:path';
import { WorkersError } from '../core/errors.js';
import { findOnPath } from '../core/find-on-path.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import type { QueueBackend } from './backend.js';
import { EmbeddedBackend } from './backends/embedded/embedded-backend.js';
import { setAsideWarning } from './backends/embedded/embedded-salvage.js';
import { createEventLog } from '../core/event-log.js';
import { backendHoldingTasks, backendRecordFile, readBackendRecord, writeBackendRecord } from './backend-record.js';

export interface OpenQueueBackendOptions {
  readonly paths: DataPaths;
  readonly settings: Pick<
    Settings,
    | 'WORKER_BACKEND'
    | 'PUEUE_GROUP'
    | 'LOCK_STALE_TIMEOUT'
    | 'WORKER_HOST'
    | 'LEASE_TIMEOUT'
    | 'DEAD_WORKER_THRESHOLD'
    | 'POSTGRES_POLL_INTERVAL'
  >;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now?: () => Date;
  readonly pueueConfigPath?: string;
  /** False: a Pueue daemon that is down stays down and its calls fail (default true). */
  readonly startDaemon?: boolean;
}

export interface OpenedQueueBackend {
  readonly backend: QueueBackend;
  readonly notice: string;
  /** Said while a damaged embedded queue lies set aside (src/queue/backends/embedded/embedded-salvage.ts). */
  readonly warning?: string;
}

/** Notes a pueued this toolkit started (src/adapters/pueue/started-daemon.ts). */
export const startedPueuedFile = (paths: DataPaths) => join(paths.queueDir, 'pueued-started.json');

/** True when an executable `pueue` is on the PATH of `env`. */
export async function isPueueOnPath(env: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  return (await findOnPath('pueue', env)) !== undefined;
}

export interface BackendChoice {
  readonly name: QueueBackend['name'];
  readonly notice: string;
}

/**
 * Which backend the data root's record (src/queue/backend-record.ts), else the settings and PATH
 * pick, and the sentence saying why; opens and writes nothing. Without `paths` no record is read.
 */
export async function chooseQueueBackend(
  options: Pick<OpenQueueBackendOptions, 'settings' | 'env'> & { readonly paths?: DataPaths },
): Promise<BackendChoice> {
  const setting = options.settings.WORKER_BACKEND;
  const recorded = options.paths === undefined ? undefined : readBackendRecord(options.paths);
  // An explicit WORKER_BACKEND may move a data root off a backend whose queue is empty; never off
  // one that still holds tasks, which would then wait unseen.
  if (recorded !== undefined && setting !== 'auto' && setting !== recorded && backendHoldingTasks(options.paths!) === recorded) {
    throw new WorkersError(
      'config',
      `WORKER_BACKEND=${setting}, but this data root's queue is ${recorded} (recorded in ${backendRecordFile(options.paths!)}) and still holds tasks; set WORKER_BACKEND=auto or ${recorded} until they are finished or removed.`,
    );
  }
  if (recorded !== undefined && setting === 'auto') return recordedChoice(recorded, options);
  if (setting === 'auto' && options.paths !== undefined) {
    // A data root that already holds a queue keeps it, whatever PATH says now.
    const holding = backendHoldingTasks(options.paths);
    if (holding !== undefined) return recordedChoice(holding, options);
  }
  if (setting === 'postgres') {
    const { describePostgres } = await import('./backends/postgres/postgres-open.js');
    return {
      name: 'postgres',
      notice: `Queue backend: postgres, ${describePostgres(options.settings, options.env)} (WORKER_BACKEND=postgres).`,
    };
  }
  const hasPueue = await isPueueOnPath(options.env);
  if (setting === 'pueue' && !hasPueue) {
    throw new WorkersError(
      'config',
      'WORKER_BACKEND=pueue but no pueue client is on PATH; run scripts/install-pueue.sh or set WORKER_BACKEND=embedded.',
    );
  }
  const why = setting === 'auto' ? `WORKER_BACKEND=auto, pueue ${hasPueue ? 'found' : 'not found'} on PATH` : `WORKER_BACKEND=${setting}`;
  if (setting === 'embedded' || !hasPueue) return { name: 'embedded', notice: `Queue backend: embedded (${why}).` };
  return { name: 'pueue', notice: `Queue backend: pueue, group ${options.settings.PUEUE_GROUP} (${why}).` };
}

/** The recorded backend (or the one holding tasks), checked against PATH: Pueue's client must be there. */
async function recordedChoice(
  name: QueueBackend['name'],
  options: Pick<OpenQueueBackendOptions, 'settings' | 'env'> & { readonly paths?: DataPaths },
): Promise<BackendChoice> {
  const where = `this data root's queue, recorded in ${backendRecordFile(options.paths!)}`;
  if (name === 'pueue' && !(await isPueueOnPath(options.env))) {
    throw new WorkersError(
      'config',
      `This data root's queue is Pueue (${backendRecordFile(options.paths!)}), but no pueue client is on PATH; install it again (scripts/install-pueue.sh), or run worker-queue backend embedded once no task is queued.`,
    );
  }
  if (name === 'postgres') {
    const { describePostgres } = await import('./backends/postgres/postgres-open.js');
    return { name, notice: `Queue backend: postgres, ${describePostgres(options.settings, options.env)} (${where}).` };
  }
  if (name === 'pueue') return { name, notice: `Queue backend: pueue, group ${options.settings.PUEUE_GROUP} (${where}).` };
  return { name, notice: `Queue backend: embedded (${where}).` };
}

export async function openQueueBackend(options: OpenQueueBackendOptions): Promise<OpenedQueueBackend> {
  const { name, notice } = await chooseQueueBackend(options);
  // Chosen once: later commands use this record whatever appears on PATH. A read-only tool
  // (startDaemon false) records nothing: it creates no data root.
  const recorded = readBackendRecord(options.paths);
  if (options.startDaemon !== false && recorded !== name)
    writeBackendRecord(options.paths, name, (options.now ?? (() => new Date()))(), recorded !== undefined);
  const base = {
    queueDir: options.paths.queueDir,
    env: options.env,
    now: options.now ?? (() => new Date()),
    lockStaleMs: options.settings.LOCK_STALE_TIMEOUT,
    alert: (message: string) => createEventLog(options.paths.healthLog, options.paths.alertsLog, options.now).log('ALERT', message),
  };
  if (name === 'embedded') {
    const warning = setAsideWarning(options.paths.queueDir);
    return { backend: new EmbeddedBackend(base), notice, ...(warning ? { warning } : {}) };
  }
  if (name === 'postgres') {
    // Loaded only when chosen: pg is not needed by a single-host setup.
    const { openPostgresBackend } = await import('./backends/postgres/postgres-open.js');
    return { backend: await openPostgresBackend(base, options.settings), notice };
  }
  // Loaded only when chosen too: its client brings execa, which a worker on the embedded queue never uses.
  const [{ PueueClient }, { PueueBackend }] = await Promise.all([
    import('../adapters/pueue/client.js'),
    import('./backends/pueue/pueue-backend.js'),
  ]);
  const configPath = options.pueueConfigPath ?? (options.env.PUEUE_CONFIG_PATH || undefined);
  const client = new PueueClient({
    env: options.env,
    startedFile: startedPueuedFile(options.paths),
    ...(configPath === undefined ? {} : { configPath }),
    ...(options.startDaemon === undefined ? {} : { startDaemon: options.startDaemon }),
  });
  return { backend: new PueueBackend({ ...base, client, group: options.settings.PUEUE_GROUP }), notice };
}
