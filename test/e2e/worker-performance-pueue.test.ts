import { afterEach, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

let daemon: IsolatedPueue | undefined;

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

describeWith(['pueue'], 'worker-performance with the Pueue backend (a private pueued)', () => {
  it('reports the pending tasks of the Pueue group', async () => {
    daemon = isolatedPueue();
    await daemon.start();
    const home = makeTempDir('hw-perf-pueue-');
    const env = { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: daemon.configPath };
    const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'pueue' as const };
    const { backend } = await openQueueBackend({ paths: dataPaths(home), settings, env: { ...process.env, ...env } });
    for (const id of ['701', '702', '703']) await backend.add({ subissue: id, parent: '70', priority: 1 });

    const result = await runBin('worker-performance', ['report', '--json'], { home, env });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).queue).toEqual({ available: true, backend: 'pueue', pending: 3, running: 0 });
  });

  it('leaves a stopped daemon stopped: the queue is reported unavailable, and no pueued is started', async () => {
    // Configured, never started: what a cron job meets after the daemon stopped.
    daemon = isolatedPueue();
    const home = makeTempDir('hw-perf-pueue-down-');
    const env = { WORKER_BACKEND: 'pueue', PUEUE_CONFIG_PATH: daemon.configPath };
    const result = await runBin('worker-performance', ['report', '--json'], { home, env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).queue).toMatchObject({ available: false });
    expect(daemon.pid()).toBeUndefined();
  });
});
