import type { HealthStore } from '../health/health-store.js';
import type { ReportedStatus } from '../health/metrics-schema.js';
import { systemError } from '../core/errors.js';

export interface Beat {
  readonly status: ReportedStatus;
  readonly task?: string;
  readonly taskStartedAt?: string;
  readonly lastProgressAt?: string;
}

/**
 * Heartbeats on their own timer, independent of the worker loop, so they keep coming while the
 * agent runs. A status change is reported at once; a failed beat is reported and the timer goes on.
 */
export class Heartbeat {
  private current: Beat = { status: 'starting' };
  /** What the last beat carried. */
  private reported: Beat | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly health: Pick<HealthStore, 'heartbeat'>,
    private readonly workerId: number,
    private readonly intervalMs: number,
    private readonly onError: (message: string) => void,
    private readonly pid: number = process.pid,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    void this.beat();
  }

  /** Takes `beat`, reported at once when its status or task differs from the last one reported. */
  set(beat: Beat): void {
    this.stage(beat);
    if (beat.status !== this.reported?.status || beat.task !== this.reported.task) void this.beat();
  }

  /**
   * Takes `beat` without reporting it: the next beat carries it. Between two tasks this spares a
   * write: when the next task follows at once, `working` on it is the next thing reported.
   */
  stage(beat: Beat): void {
    // The agent's last progress stays reported after its task, beside the heartbeat.
    const lastProgressAt = beat.lastProgressAt ?? this.current.lastProgressAt;
    this.current = { ...beat, ...(lastProgressAt ? { lastProgressAt } : {}) };
  }

  /** The agent showed progress: carried by the next beat (no extra write per stream event). */
  progress(at: string): void {
    this.current = { ...this.current, lastProgressAt: at };
  }

  /** Changes the status only, keeping the task. */
  setStatus(status: ReportedStatus): void {
    this.set({ ...this.current, status });
  }

  get status(): ReportedStatus {
    return this.current.status;
  }

  /** Reports `stopped` and stops the timer. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.current = { status: 'stopped' };
    await this.inFlight;
    await this.beat();
  }

  private beat(): Promise<void> {
    this.reported = this.current;
    const { status, task, taskStartedAt, lastProgressAt } = this.current;
    this.inFlight = this.health
      .heartbeat(this.workerId, {
        status,
        task: task ?? 'none',
        pid: this.pid,
        ...(taskStartedAt ? { taskStartedAt } : {}),
        ...(lastProgressAt ? { lastProgressAt } : {}),
      })
      .then(
        () => undefined,
        (error: unknown) => this.onError(`heartbeat failed: ${(systemError(error) as Error).message}`),
      );
    return this.inFlight;
  }
}
