import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { createEventLog } from '../../src/core/event-log.js';
import { openManagerState, rememberedPoolSize, workerIds } from '../../src/health/manager-state.js';
import {
  MAX_POOL_SIZE,
  oversubscriptionWarning,
  parsePoolSize,
  requestRestart,
  requestScale,
  restartSettled,
  scaleSettled,
} from '../../src/manager/pool-requests.js';
import type { Pool } from '../../src/manager/pool.js';
import { makeTempDir } from '../helpers/temp.js';

function statePool(): Pool {
  const paths = dataPaths(makeTempDir());
  const state = openManagerState(paths, createEventLog(paths.managerLog, undefined), 5000);
  return { state } as unknown as Pool;
}

describe('pool requests', () => {
  it('accepts 0 to the documented maximum and nothing else', () => {
    expect(parsePoolSize('0')).toBe(0);
    expect(parsePoolSize(String(MAX_POOL_SIZE))).toBe(MAX_POOL_SIZE);
    for (const bad of ['-1', 'abc', '1.5', '', ' 3', String(MAX_POOL_SIZE + 1), '100000']) {
      expect(() => parsePoolSize(bad), bad).toThrow(/Invalid worker count/);
    }
  });

  it('warns above the core count only for command agents: Claude Code workers mostly wait on a remote API', () => {
    expect(oversubscriptionWarning(2, 2, 'node agent.mjs')).toBeUndefined();
    expect(oversubscriptionWarning(3, 2, 'node agent.mjs')).toBe('3 workers on 2 cores: the command agents will compete for CPU.');
    expect(oversubscriptionWarning(8, 2, 'claude')).toBeUndefined();
    expect(oversubscriptionWarning(8, 2, '/usr/local/bin/claude --verbose')).toBeUndefined();
  });

  it('adds the lowest free ids and removes the highest ones, keeping the others', async () => {
    const pool = statePool();
    expect(await requestScale(pool, 3, false)).toEqual({ added: [1, 2, 3], removed: [] });
    await pool.state.update((draft) => {
      for (const entry of Object.values(draft.workers)) entry.intent = 'run';
    });
    expect(await requestScale(pool, 5, false)).toEqual({ added: [4, 5], removed: [] });
    expect(await requestScale(pool, 2, true)).toEqual({ added: [], removed: [5, 4, 3] });
    const state = await pool.state.read();
    expect(workerIds(state)).toEqual([1, 2, 3, 4, 5]);
    expect(state.workers['3']).toMatchObject({ intent: 'remove', force: true });
    expect(state.workers['1']!.intent).toBe('run');
    expect(scaleSettled(state)).toBe(false);
    // Ids being removed are not reused by a scale-up that comes meanwhile.
    expect(await requestScale(pool, 3, false)).toEqual({ added: [6], removed: [] });
  });

  it('remembers the pool size asked for (what ensure brings back), except for a shutdown', async () => {
    const pool = statePool();
    expect(rememberedPoolSize(await pool.state.read())).toBe(0);
    await requestScale(pool, 3, false);
    expect((await pool.state.read()).pool_size).toBe(3);
    await requestScale(pool, 0, true, false);
    const state = await pool.state.read();
    expect(state.pool_size).toBe(3);
    expect(rememberedPoolSize(state)).toBe(3);
    // A state written before the size was recorded: the workers it holds.
    await pool.state.update((draft) => {
      draft.pool_size = null;
    });
    expect(rememberedPoolSize(await pool.state.read())).toBe(3);
  });

  it('marks a restart and knows when it is done', async () => {
    const pool = statePool();
    await requestScale(pool, 1, false);
    await pool.state.update((draft) => Object.assign(draft.workers['1']!, { intent: 'run', started_at: '2026-01-01T00:00:00.000Z' }));
    expect(await requestRestart(pool, 2, false)).toBeUndefined();
    const request = await requestRestart(pool, 1, true);
    expect(request).toEqual({ startedBefore: '2026-01-01T00:00:00.000Z' });
    const done = restartSettled(1, request!.startedBefore);
    expect(done(await pool.state.read())).toBe(false);
    await pool.state.update((draft) => Object.assign(draft.workers['1']!, { intent: 'run', started_at: '2026-01-01T00:01:00.000Z' }));
    expect(done(await pool.state.read())).toBe(true);
  });
});
