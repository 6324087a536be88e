import { existsSync, readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { readStartedDaemon } from '../../src/adapters/pueue/started-daemon.js';
import { createEventLog } from '../../src/core/event-log.js';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { watchPueueRestarts } from '../../src/manager/pueue-restart-alerts.js';
import { openQueueBackend, startedPueuedFile } from '../../src/queue/open-backend.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

let daemon: IsolatedPueue | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

describeWith(['pueue'], 'the manager and a Pueue daemon started again', () => {
  it('writes one ALERT when the pool started a new daemon after the old one was killed, none for the daemon it first saw', async () => {
    daemon = isolatedPueue();
    const paths = dataPaths(makeTempDir('hw-pueued-restart-'));
    const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'pueue' as const, PUEUE_GROUP: `r${process.pid}` };
    const open = async () => (await openQueueBackend({ paths, settings, env: process.env, pueueConfigPath: daemon!.configPath })).backend;
    const alerts = () => (existsSync(paths.alertsLog) ? readFileSync(paths.alertsLog, 'utf8') : '');
    const check = watchPueueRestarts(startedPueuedFile(paths), createEventLog(paths.healthLog, paths.alertsLog));

    await (await open()).list(); // the daemon is down: the backend starts one and notes it
    const first = readStartedDaemon(startedPueuedFile(paths))!.pid;
    await check();
    await check();
    expect(alerts()).toBe('');

    process.kill(first, 'SIGKILL');
    await waitFor(() => readStartedDaemon(startedPueuedFile(paths)) === null, { what: 'the first daemon gone', timeoutMs: 20_000 });
    await check(); // down, not yet started again: nothing to say
    expect(alerts()).toBe('');
    await (await open()).list();
    const second = readStartedDaemon(startedPueuedFile(paths))!.pid;
    expect(second).not.toBe(first);
    await check();
    await check();
    const lines = alerts().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`The Pueue daemon was restarted as pid ${second} (was pid ${first})`);
  });
});
