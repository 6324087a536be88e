import type { QueueBackend } from '../queue/backend.js';
import type { WorkerControl } from './control.js';

/**
 * Cuts the worker's waits short when the backend reports that the queue or a run changed, so a
 * new task or a finished run is seen at once instead of at the next poll. A hint only: every wait
 * still ends at its poll interval, and a backend that cannot watch leaves the polls as they were.
 * A change counter closes the gap between looking and waiting: a change seen after `mark()` and
 * before `sleep()` makes the sleep return at once.
 */
export class QueueChanges {
  private count = 0;
  private waking: AbortController | undefined;
  private unwatch: () => void = () => undefined;

  /** Starts watching the backend; resolves once the watch is in place (or known to be absent). */
  async start(backend: Pick<QueueBackend, 'watch'>): Promise<void> {
    this.unwatch = (await backend.watch?.(() => this.changed())) ?? this.unwatch;
  }

  mark(): number {
    return this.count;
  }

  /** Sleeps up to `ms` unless the queue changed since `mark`, waking on a change. */
  async sleep(control: WorkerControl, ms: number, mark: number): Promise<void> {
    if (this.count !== mark) return;
    const waking = new AbortController();
    this.waking = waking;
    await control.sleep(ms, waking.signal);
    if (this.waking === waking) this.waking = undefined;
  }

  stop(): void {
    this.unwatch();
  }

  private changed(): void {
    this.count += 1;
    this.waking?.abort();
  }
}
