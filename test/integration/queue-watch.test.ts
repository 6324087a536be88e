import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { watchDirs } from '../../src/queue/runs/watch-dirs.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

describe('watching the queue', () => {
  it('watchDirs reports the matching names only, in a directory it creates if missing', async () => {
    const dir = join(makeTempDir('hw-watch-'), 'runs');
    const seen: string[] = [];
    const stop = await watchDirs([{ dir, matches: (name) => name.endsWith('.result.json'), change: 'run' }], (change) => seen.push(change));
    try {
      writeFileSync(join(dir, '1-1.pid.json'), '{}');
      writeFileSync(join(dir, '1-1.result.json.9.tmp'), '{}');
      // inotify keeps the order: once the rename is seen, the writes before it were seen and ignored.
      renameSync(join(dir, '1-1.result.json.9.tmp'), join(dir, '1-1.result.json'));
      await waitFor(() => seen.length > 0, { what: 'the result file event' });
      expect(seen).toEqual(['run']);
    } finally {
      stop();
    }
  });

  it('the embedded backend reports a task added through another instance', async () => {
    const root = makeTempDir('hw-queue-');
    const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'embedded' as const };
    const open = async () => (await openQueueBackend({ paths: dataPaths(root), settings, env: process.env })).backend;
    const watching = await open();
    const seen: string[] = [];
    const stop = await watching.watch!((change) => seen.push(change));
    try {
      await (await open()).add({ subissue: '1', parent: '1', priority: 1 });
      await waitFor(() => seen.length > 0, { what: 'the queue change' });
      expect(seen.every((change) => change === 'queue')).toBe(true);
    } finally {
      stop();
    }
  });
});
