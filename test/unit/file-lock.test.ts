import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/core/file-lock.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

describe('withFileLock', () => {
  it('holds PATH.lock during the work and releases it after, creating the directory on the way', async () => {
    const path = join(makeTempDir(), 'nested', 'state.json');
    const seen = await withFileLock(path, { staleMs: 5000, wantedAgain: () => false }, async () => existsSync(`${path}.lock`));
    expect(seen).toBe(true);
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    await waitFor(() => !existsSync(`${path}.lock`), { timeoutMs: 2000, what: 'the lock released' });
  });

  it('runs work queued meanwhile, and releases a kept lock when no more work comes', async () => {
    const path = join(makeTempDir(), 'state.json');
    const options = { staleMs: 5000, wantedAgain: () => true };
    const order: string[] = [];
    await withFileLock(path, options, async () => void order.push('first'));
    // Queued the way JsonFile queues a batch: on the next turn of the event loop.
    await new Promise<void>((resolve) =>
      setImmediate(() => void withFileLock(path, options, async () => void order.push('second')).then(resolve)),
    );
    expect(order).toEqual(['first', 'second']);
    // wantedAgain() still says yes, but no third piece of work comes: the lock must not stay.
    await waitFor(() => !existsSync(`${path}.lock`), { timeoutMs: 1000, what: 'the kept lock released' });
  });

  it('names the path when the lock cannot be made at all', async () => {
    const path = join(makeTempDir(), 'missing-parent-is-a-file', 'state.json');
    writeFileSync(join(path, '..'), 'not a directory');
    await expect(withFileLock(path, { staleMs: 5000, wantedAgain: () => false }, async () => 1)).rejects.toThrow(
      /missing-parent-is-a-file/,
    );
  });
});
