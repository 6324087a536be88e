import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { WorkerControl, drainFile } from '../../src/worker/control.js';
import { emptyWorkerState, workerStateSchema } from '../../src/worker/worker-state.js';
import { makeTempDir } from '../helpers/temp.js';

describe('WorkerControl', () => {
  it('a first stop closes claiming, a second aborts, and each wakes a sleeper', async () => {
    const control = new WorkerControl(join(makeTempDir(), 'none.drain'));
    expect([control.closed, control.stopping, control.aborting]).toEqual([false, false, false]);
    const sleeping = control.sleep(60_000);
    control.requestStop();
    await sleeping;
    expect([control.closed, control.stopping, control.aborting]).toEqual([true, true, false]);
    control.requestStop();
    expect(control.aborting).toBe(true);
  });

  it('drains when the control file exists or on request', () => {
    const paths = dataPaths(makeTempDir());
    const file = drainFile(paths, 3);
    expect(file).toBe(join(paths.stateDir, 'worker-3.drain'));
    const control = new WorkerControl(file);
    expect(control.draining).toBe(false);
    writeFileSync(join(paths.root, 'x'), '');
    const other = new WorkerControl(join(paths.root, 'x'));
    expect([other.draining, other.closed, other.stopping]).toEqual([true, true, false]);
    control.requestDrain();
    expect(control.draining).toBe(true);
  });
});

describe('WorkerControl.sleep', () => {
  it('ends early when its signal is aborted, or at once when it already was', async () => {
    const early = new AbortController();
    const sleeping = new WorkerControl(join(makeTempDir(), 'none.drain')).sleep(600_000, early.signal);
    early.abort();
    await sleeping;
    await new WorkerControl(join(makeTempDir(), 'none.drain')).sleep(600_000, early.signal);
  });
});

describe('worker state file schema', () => {
  it('accepts the empty state and refuses an unknown version', () => {
    expect(workerStateSchema.parse(emptyWorkerState(2))).toEqual(emptyWorkerState(2));
    expect(workerStateSchema.safeParse({ ...emptyWorkerState(2), version: 2 }).success).toBe(false);
  });
});
