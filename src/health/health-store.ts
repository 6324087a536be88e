import type { EventLog } from '../core/event-log.js';
import type { HeartbeatInput } from './metrics-ops.js';
import type { Metrics, Stats, WorkerRecord } from './metrics-schema.js';

/** Every host's workers, keyed `host/id` (core/worker-ref.ts), and the counters over all of them. */
export interface FleetMetrics {
  readonly workers: Readonly<Record<string, WorkerRecord>>;
  readonly stats: Stats;
}

/**
 * Heartbeats, counters and worker states. Two implementations: metrics.json (HealthService, one
 * host) and the database (PostgresHealthStore, every host of WORKER_BACKEND=postgres); picked by
 * openHealthStore. Writes and `read` are this host's workers; `readFleet` is what views show.
 */
export interface HealthStore {
  readonly events: EventLog;
  /** This host's name (WORKER_HOST). */
  readonly host: string;
  /** This host's workers, keyed by id, as metrics.json holds them. */
  read(): Promise<Metrics>;
  readFleet(): Promise<FleetMetrics>;
  heartbeat(workerId: number, input: HeartbeatInput): Promise<WorkerRecord>;
  complete(workerId: number, success: boolean): Promise<WorkerRecord>;
  restart(workerId: number): Promise<WorkerRecord>;
  /** Clears the live state of this host's workers that are not in the pool; their counters are kept. */
  retireWorkersExcept(keep: ReadonlySet<number>): Promise<number[]>;
  /** Clears this host's workers and counters, keeping the previous content; says where. */
  reset(): Promise<string>;
}
