/**
 * How a worker is asked to stop. This is the manager's interface for scale-down:
 *
 * - Drain (finish the current task, including its retries, then exit 0 with heartbeat `stopped`):
 *   create the file `state/worker-<id>.drain` under the data root (content is ignored), or send
 *   SIGUSR1. The worker looks for the file before every claim (at least every ~250 ms while idle)
 *   and deletes it when it exits, so a later worker with the same id starts normally.
 * - SIGTERM / SIGINT: stop claiming and let the current attempt finish; a failure that would be
 *   retried goes back to the queue (its attempts kept) instead. Exit 0, heartbeat `stopped`.
 * - A second SIGTERM / SIGINT: the running attempt is killed (process group), the task is
 *   requeued without counting that attempt, and the worker exits at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataPaths } from '../core/paths.js';

export const drainFile = (paths: DataPaths, workerId: number) => join(paths.stateDir, `worker-${workerId}.drain`);

export class WorkerControl {
  private stops = 0;
  private drainSignalled = false;
  private wakers = new Set<() => void>();

  constructor(private readonly drainPath: string) {}

  /** First call: stop after the current attempt; second: abort now. */
  requestStop(): void {
    this.stops += 1;
    this.wake();
  }

  requestDrain(): void {
    this.drainSignalled = true;
    this.wake();
  }

  get stopping(): boolean {
    return this.stops > 0;
  }

  get aborting(): boolean {
    return this.stops > 1;
  }

  get draining(): boolean {
    return this.drainSignalled || existsSync(this.drainPath);
  }

  /** No new task may be claimed. */
  get closed(): boolean {
    return this.stopping || this.draining;
  }

  /** Sleeps `ms`, waking early when a stop or drain is requested, or when `early` is aborted. */
  sleep(ms: number, early?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        early?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakers.add(done);
      if (early?.aborted) done();
      early?.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
