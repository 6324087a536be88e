import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueBackend } from '../../src/queue/backend.js';
import { WorkerControl } from '../../src/worker/control.js';
import { QueueChanges } from '../../src/worker/queue-changes.js';
import { makeTempDir } from '../helpers/temp.js';

const control = () => new WorkerControl(join(makeTempDir(), 'none.drain'));
const LONG = 600_000;

/** A backend's watch as the worker sees it: the test calls `changed()` for the backend. */
function watchedBackend() {
  const listeners = new Set<() => void>();
  const backend: Pick<QueueBackend, 'watch'> = {
    watch: async (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { backend, listeners, changed: () => listeners.forEach((listener) => listener()) };
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
