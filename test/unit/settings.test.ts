import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/core/duration.js';
import { DEFAULT_SETTINGS, loadSettings, resolveSettings } from '../../src/core/settings.js';
import { makeTempDir } from '../helpers/temp.js';

describe('settings', () => {
  it('has the defaults of docs/SPEC.md section 4, durations in milliseconds', () => {
    expect(DEFAULT_SETTINGS).toMatchObject({
      HEARTBEAT_INTERVAL: 5000,
      HEALTH_CHECK_INTERVAL: 10_000,
      DEAD_WORKER_THRESHOLD: 30_000,
      SLOW_TASK_THRESHOLD: 900_000,
      MAX_RETRIES: 3,
      RETRY_DELAY: 5000,
      TASK_TIMEOUT: 3_600_000,
      CHECK_INTERVAL: 10_000,
      RESTART_DELAY: 5000,
      MAX_RESTART_ATTEMPTS: 5,
      WORKER_BACKEND: 'auto',
      WORKER_AGENT_CMD: 'claude',
      WORKERS_SESSION: 'claude-workers',
      MONITOR_SESSION: 'claude-monitor',
      PUEUE_GROUP: 'subissues',
    });
  });

  it('layers defaults < config.json < environment', () => {
    const settings = resolveSettings({ DEAD_WORKER_THRESHOLD: 60, MAX_RETRIES: 4 }, { MAX_RETRIES: '7', SLOW_TASK_THRESHOLD: '15m' });
    expect(settings.DEAD_WORKER_THRESHOLD).toBe(60_000);
    expect(settings.MAX_RETRIES).toBe(7);
    expect(settings.SLOW_TASK_THRESHOLD).toBe(900_000);
    expect(settings.HEARTBEAT_INTERVAL).toBe(5000);
  });

  it('names the setting, its source and the accepted range when a value is invalid', () => {
    expect(() => resolveSettings({ DEAD_WORKER_THRESHOLD: -5 }, {}, '/x/config.json')).toThrow(
      /setting in \/x\/config.json DEAD_WORKER_THRESHOLD=-5 is invalid: use a duration from 1 s to 86400 s/,
    );
    expect(() => resolveSettings({}, { MAX_RETRIES: 'many' })).toThrow(
      /environment variable MAX_RETRIES="many" is invalid: use a whole number/,
    );
    expect(() => resolveSettings({}, { WORKER_BACKEND: 'redis' })).toThrow(/WORKER_BACKEND.*one of auto, pueue, embedded, postgres/);
    expect(() => resolveSettings({}, { WORKERS_SESSION: 'a;b' })).toThrow(/WORKERS_SESSION/);
  });

  it('refuses a config.json that is not JSON or not an object, and reads a missing one as empty', () => {
    const dir = makeTempDir();
    const file = join(dir, 'config.json');
    expect(loadSettings(file, {}).MAX_RETRIES).toBe(3);
    writeFileSync(file, '{not json');
    expect(() => loadSettings(file, {})).toThrow(/is not valid JSON/);
    writeFileSync(file, '[1,2]');
    expect(() => loadSettings(file, {})).toThrow(/must hold a JSON object/);
  });

  it('parses durations as seconds or with a unit', () => {
    expect(parseDurationMs('30')).toBe(30_000);
    expect(parseDurationMs(2)).toBe(2000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('15m')).toBe(900_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('-5')).toBeUndefined();
    expect(parseDurationMs('soon')).toBeUndefined();
  });
});
