import { createEventLog, type EventLog } from '../core/event-log.js';
import { writeFileAtomicSync } from '../core/fs-safe.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { workerHost, workerKey } from '../core/worker-ref.js';
import type { FleetMetrics, HealthStore } from './health-store.js';
import { applyCompletion, applyHeartbeat, applyRestart, retireWorkersExcept, type HeartbeatInput } from './metrics-ops.js';
import { emptyMetrics, emptyStats, metricsFileSchema, type Metrics, type WorkerRecord } from './metrics-schema.js';
import { salvageMetrics, type SalvagedMetrics } from './metrics-salvage.js';

export interface HealthServiceOptions {
  readonly paths: DataPaths;
  readonly settings: Pick<Settings, 'LOCK_STALE_TIMEOUT' | 'WORKER_HOST'>;
  readonly now?: () => Date;
}

/** Opens the health log (with its alerts twin) of a data root. */
export const openHealthLog = (paths: DataPaths, now?: () => Date): EventLog => createEventLog(paths.healthLog, paths.alertsLog, now);

/**
 * The in-process API over metrics.json: what `worker-health-monitor` runs per command and what a
 * worker calls on its heartbeat timer, without a child process per beat. The single-host store:
 * its fleet is this host.
 */
export class HealthService implements HealthStore {
  readonly events: EventLog;
  readonly host: string;
  private readonly file: JsonFile<Metrics>;
  private readonly now: () => Date;

  constructor(private readonly options: HealthServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.host = workerHost(options.settings);
    this.events = openHealthLog(options.paths, this.now);
    let salvaged: SalvagedMetrics | undefined;
    this.file = new JsonFile<Metrics>({
      path: options.paths.metricsFile,
      schema: metricsFileSchema,
      empty: emptyMetrics,
      lockStaleMs: options.settings.LOCK_STALE_TIMEOUT,
      now: this.now,
      salvage: (text) => (salvaged = salvageMetrics(text)).metrics,
      onCorrupt: (movedTo, reason) => {
        const lost = salvaged?.setAside ?? [];
        const named = lost.length > 5 ? `${lost.slice(0, 5).join(', ')} and ${lost.length - 5} more` : lost.join(', ');
        const detail = lost.length > 0 ? `set aside the record of worker ${named}` : 'set aside no worker record';
        return this.events.log(
          'ALERT',
          `metrics.json was unreadable (${reason}); kept ${salvaged?.kept ?? 0} worker record(s), ${detail}; the whole file is kept as ${movedTo}.`,
        );
      },
    });
  }

  read(): Promise<Metrics> {
    return this.file.read();
  }

  async readFleet(): Promise<FleetMetrics> {
    const { workers, stats } = await this.file.read();
    return {
      workers: Object.fromEntries(Object.entries(workers).map(([id, record]) => [workerKey({ host: this.host, id: Number(id) }), record])),
      stats,
    };
  }

  heartbeat(workerId: number, input: HeartbeatInput): Promise<WorkerRecord> {
    return this.file.update((metrics) => applyHeartbeat(metrics, workerId, input, this.now()));
  }

  async complete(workerId: number, success: boolean): Promise<WorkerRecord> {
    const record = await this.file.update((metrics) => applyCompletion(metrics, workerId, success));
    await this.events.log(success ? 'INFO' : 'WARN', `Worker ${workerId} ${success ? 'completed a task' : 'failed a task'}.`);
    return record;
  }

  async restart(workerId: number): Promise<WorkerRecord> {
    const record = await this.file.update((metrics) => applyRestart(metrics, workerId));
    await this.events.log('INFO', `Worker ${workerId} restarted (restart ${record.restarts}).`);
    return record;
  }

  /** Clears the live state of workers that are not in the pool; their counters are kept. */
  retireWorkersExcept(keep: ReadonlySet<number>): Promise<number[]> {
    return this.file.update((metrics) => retireWorkersExcept(metrics, keep));
  }

  /** Clears workers and counters; the previous content is kept beside the file, since nothing is lost. */
  async reset(): Promise<string> {
    const previous = await this.file.update((metrics) => {
      const before = JSON.stringify(metrics, null, 2);
      metrics.workers = {};
      metrics.stats = emptyStats();
      return before;
    });
    const backup = `${this.options.paths.metricsFile}.reset-${this.now().toISOString().replace(/[:.]/g, '-')}`;
    writeFileAtomicSync(backup, `${previous}\n`);
    await this.events.log('INFO', `Metrics reset; the previous metrics are kept in ${backup}.`);
    return backup;
  }
}
