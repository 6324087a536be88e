import type { HealthStore } from '../health/health-store.js';
import type { QueueBackend } from '../queue/backend.js';

/** What a worker says when it loses and regains the database of its leases. */
export interface ContactReports {
  lost(outageMs: number): void;
  back(outageMs: number): void;
}

/**
 * Whether the worker still reaches the database that holds its leases (postgres). Past its lease
 * without a renewal, any host may have taken its task back and handed it on: it is `cutOff`, starts
 * no new work, and says so once; the first renewal that gets through ends that.
 */
export class LeaseContact {
  private reachedAtMs: number;
  private cut = false;

  constructor(
    private readonly leaseMs: number,
    private readonly now: () => Date,
    private readonly reports: ContactReports,
  ) {
    this.reachedAtMs = now().getTime();
  }

  get cutOff(): boolean {
    this.check();
    return this.cut;
  }

  /** Called at every beat, also while earlier renewals still wait for the database. */
  check(): void {
    const outage = this.now().getTime() - this.reachedAtMs;
    if (this.cut || outage <= this.leaseMs) return;
    this.cut = true;
    this.reports.lost(outage);
  }

  reached(): void {
    const outage = this.now().getTime() - this.reachedAtMs;
    this.reachedAtMs = this.now().getTime();
    if (!this.cut) return;
    this.cut = false;
    this.reports.back(outage);
  }
}

/**
 * Each heartbeat also renews the lease of the task the worker holds, on a backend with leases
 * (postgres): a worker that stops beating loses its task once the lease runs out. A renewal that
 * gets through tells `contact` that the database is within reach.
 */
export function renewingLeases(
  health: Pick<HealthStore, 'heartbeat'>,
  backend: QueueBackend,
  workerId: number,
  contact?: LeaseContact,
): Pick<HealthStore, 'heartbeat'> {
  const leases = backend.capabilities.leases;
  if (!leases) return health;
  return {
    heartbeat: async (...beat) => {
      // Before the beat is written: a health store in the same database fails with it.
      contact?.check();
      const written = await health.heartbeat(...beat);
      await leases.renewLeases(workerId);
      contact?.reached();
      return written;
    },
  };
}
