import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueBackend, QueueChange } from '../../src/queue/backend.js';
import { WorkerControl } from '../../src/worker/control.js';
import { QueueChanges } from '../../src/worker/queue-changes.js';
import { makeTempDir } from '../helpers/temp.js';

const control = () => new WorkerControl(join(makeTempDir(), 'none.drain'));
const LONG = 600_000;

/** A backend's watch as the worker sees it: the test calls `changed()` for the backend. */
function watchedBackend() {
  const listeners = new Set<(change: QueueChange) => void>();
  const backend: Pick<QueueBackend, 'watch'> = {
    watch: async (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { backend, listeners, changed: (change: QueueChange = 'queue') => listeners.forEach((listener) => listener(change)) };
}

describe('QueueChanges', () => {
  it('a change after the mark ends the next sleep at once; a change during a sleep wakes it', async () => {
    const { backend, changed } = watchedBackend();
    const changes = new QueueChanges();
    await changes.start(backend);
    const mark = changes.mark();
    changed();
    await changes.sleep(control(), LONG, mark);
    const sleeping = changes.sleep(control(), LONG, changes.mark());
    changed();
    await sleeping;
  });

  it("a wait for a run's end wakes for a run's result, not for the queue changing (other workers' claims)", async () => {
    const { backend, changed } = watchedBackend();
    const changes = new QueueChanges();
    await changes.start(backend);
    const mark = changes.mark();
    changed('queue');
    let woken = false;
    const sleeping = changes.sleep(control(), LONG, mark, 'run').then(() => (woken = true));
    changed('queue');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toBe(false);
    changed('run');
    await sleeping;
    // A result seen between the mark and the wait ends the wait at once.
    const before = changes.mark();
    changed('run');
    await changes.sleep(control(), LONG, before, 'run');
  });

  it('stops watching on stop; without a watch a sleep is an ordinary one that a stop request still ends', async () => {
    const { backend, listeners } = watchedBackend();
    const changes = new QueueChanges();
    await changes.start(backend);
    changes.stop();
    expect(listeners.size).toBe(0);
    const unwatched = new QueueChanges();
    await unwatched.start({});
    const worker = control();
    const sleeping = unwatched.sleep(worker, LONG, unwatched.mark());
    worker.requestStop();
    await sleeping;
  });
});
