import type { QueueBackend, QueueChange } from '../queue/backend.js';
import type { WorkerControl } from './control.js';

/** A position in the changes seen so far, taken before looking (see QueueChanges.mark). */
export interface ChangeMark {
  readonly all: number;
  readonly runs: number;
}

/**
 * Cuts the worker's waits short when the backend reports that the queue or a run changed, so a
 * new task or a finished run is seen at once instead of at the next poll. A hint only: every wait
 * still ends at its poll interval, and a backend that cannot watch leaves the polls as they were.
 * A change counter closes the gap between looking and waiting: a change seen after `mark()` and
 * before `sleep()` makes the sleep return at once. A wait for a run's end (`sleep(..., 'run')`)
 * wakes only for run results: other workers' claims and finishes change the queue several times
 * per task, and each wake would be a read of the whole queue (docs/PERFORMANCE.md, "A task's
 * fixed cost").
 */
export class QueueChanges {
  private all = 0;
  private runs = 0;
  private waking: { readonly controller: AbortController; readonly wakesOn: QueueChange | 'any' } | undefined;
  private unwatch: () => void = () => undefined;

  /** Starts watching the backend; resolves once the watch is in place (or known to be absent). */
  async start(backend: Pick<QueueBackend, 'watch'>): Promise<void> {
    this.unwatch = (await backend.watch?.((change) => this.changed(change))) ?? this.unwatch;
  }

  mark(): ChangeMark {
    return { all: this.all, runs: this.runs };
  }

  /** Sleeps up to `ms` unless a change (of `wakesOn`, default any) came since `mark`, waking on one. */
  async sleep(control: WorkerControl, ms: number, mark: ChangeMark, wakesOn: 'run' | 'any' = 'any'): Promise<void> {
    if (wakesOn === 'run' ? this.runs !== mark.runs : this.all !== mark.all) return;
    const waking = { controller: new AbortController(), wakesOn };
    this.waking = waking;
    await control.sleep(ms, waking.controller.signal);
    if (this.waking === waking) this.waking = undefined;
  }

  stop(): void {
    this.unwatch();
  }

  private changed(change: QueueChange): void {
    this.all += 1;
    if (change === 'run') this.runs += 1;
    if (this.waking?.wakesOn === 'any' || this.waking?.wakesOn === change) this.waking.controller.abort();
  }
}
