import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { isPueueOnPath, openQueueBackend } from '../../src/queue/open-backend.js';
import { makeTempDir } from '../helpers/temp.js';

const open = (backend: 'auto' | 'pueue' | 'embedded', path: string) =>
  openQueueBackend({ paths: dataPaths(makeTempDir()), settings: { ...DEFAULT_SETTINGS, WORKER_BACKEND: backend }, env: { PATH: path } });

describe('openQueueBackend', () => {
  it('auto picks embedded when no pueue client is on PATH, and says so', async () => {
    const empty = makeTempDir();
    expect(await isPueueOnPath({ PATH: empty })).toBe(false);
    const { backend, notice } = await open('auto', empty);
    expect(backend.name).toBe('embedded');
    expect(notice).toBe('Queue backend: embedded (WORKER_BACKEND=auto, pueue not found on PATH).');
  });

  it('auto picks pueue when an executable pueue is on PATH (opening does not run it)', async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, 'pueue'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(dir, 'pueue'), 0o755);
    const { backend, notice } = await open('auto', `${makeTempDir()}:${dir}`);
    expect(backend.name).toBe('pueue');
    expect(notice).toMatch(/^Queue backend: pueue, group subissues \(WORKER_BACKEND=auto, pueue found on PATH\)\.$/);
  });

  it('honours an explicit choice and refuses pueue when it is missing', async () => {
    expect((await open('embedded', process.env.PATH ?? '')).backend.name).toBe('embedded');
    await expect(open('pueue', makeTempDir())).rejects.toMatchObject({
      kind: 'config',
      message: expect.stringMatching(/install-pueue\.sh/),
    });
  });
});
