import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePueueState, pueueTimeToIso } from '../../src/adapters/pueue/status-schema.js';
import { REPO_ROOT } from '../helpers/run-bin.js';

/** Real Pueue state files (from Pueue's own tests) and status JSON derived from v3.4.1 and v4.0.4 (docs/PUEUE.md#fixtures). */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'pueue-state');
const jsonFiles = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));

describe('parsePueueState on every real and derived fixture', () => {
  it('has fixtures to read', () => {
    expect(jsonFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(jsonFiles)('%s parses into normalized tasks', (name) => {
    const raw = JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')) as { tasks: Record<string, unknown> };
    const state = parsePueueState(readFileSync(`${FIXTURES}/${name}`, 'utf8'));
    expect(state.tasks.map((task) => String(task.id))).toEqual(Object.keys(raw.tasks));
    expect(state.groups.default).toBeDefined();
    for (const task of state.tasks) {
      expect(['Queued', 'Stashed', 'Running', 'Paused', 'Done', 'Locked']).toContain(task.kind);
      expect(task.result === null).toBe(task.kind !== 'Done');
    }
  });
});

describe.each(['status-v3-derived.json', 'status-v4-derived.json'])('%s normalizes to the same tasks', (name) => {
  const state = parsePueueState(readFileSync(`${FIXTURES}/${name}`, 'utf8'));
  const byId = (id: number) => state.tasks.find((task) => task.id === id)!;

  it('reads every status and result shape', () => {
    expect(state.tasks.map((task) => task.kind)).toEqual(['Done', 'Done', 'Done', 'Running', 'Paused', 'Queued', 'Stashed']);
    expect(byId(0).result).toEqual({ type: 'Success' });
    expect(byId(1).result).toEqual({ type: 'Failed', exitCode: 1 });
    expect(byId(1).label).toBe('will-fail');
    expect(byId(2).result).toEqual({ type: 'Killed' });
    expect(byId(6).priority).toBe(2);
    expect(state.groups.build).toEqual({ status: 'Paused', parallelTasks: 2 });
  });

  it('takes the times from the top level (v3) or from inside the status (v4)', () => {
    expect(byId(0).start).toMatch(/^2024-06-10T09:00:00\.\d+\+02:00$/);
    expect(byId(0).end).not.toBeNull();
    expect(byId(3).start).not.toBeNull();
    expect(byId(3).end).toBeNull();
    expect(byId(5).enqueuedAt).not.toBeNull();
    expect(byId(5).start).toBeNull();
    expect(byId(0).envs.PUEUE_GROUP).toBe('default');
  });
});

describe('the v4 daemon-test state', () => {
  it('reads Failed(2), Stashed and Running from real pueue output', () => {
    const state = parsePueueState(readFileSync(`${FIXTURES}/state-v4.0.0.from-pueue-daemon-tests.json`, 'utf8'));
    expect(state.tasks[1]!.result).toEqual({ type: 'Failed', exitCode: 2 });
    expect(state.tasks[2]!.kind).toBe('Stashed');
    expect(state.tasks[3]!.kind).toBe('Running');
    expect(state.tasks[3]!.start).toBe('2024-07-18T14:55:23.365190551+02:00');
  });

  it('reads the v2-era state that lacks created_at and priority', () => {
    const state = parsePueueState(readFileSync(`${FIXTURES}/state-v2.0.0-format.read-by-v3.4.1-daemon-tests.json`, 'utf8'));
    expect(state.tasks[0]!.createdAt).toBeNull();
    expect(state.tasks[0]!.priority).toBe(0);
    expect(state.tasks[0]!.result).toEqual({ type: 'Success' });
  });
});

describe('parsePueueState refuses what is not Pueue state', () => {
  it.each([
    ['not JSON', 'nope'],
    ['no tasks', '{"groups":{}}'],
    ['an unknown status', '{"tasks":{"0":{"id":0,"command":"x","path":"/","status":"Exploded"}},"groups":{}}'],
    ['a two-key status', '{"tasks":{"0":{"id":0,"command":"x","path":"/","status":{"Done":"Success","Queued":{}}}},"groups":{}}'],
  ])('%s', (_name, text) => {
    expect(() => parsePueueState(text)).toThrow();
  });
});

describe('pueueTimeToIso', () => {
  it('keeps milliseconds of nanosecond times and accepts Z and offsets', () => {
    expect(pueueTimeToIso('2024-07-18T14:55:23.365190551+02:00')).toBe('2024-07-18T12:55:23.365Z');
    expect(pueueTimeToIso('2026-11-27T23:26:53.852724112Z')).toBe('2026-11-27T23:26:53.852Z');
    expect(pueueTimeToIso('2026-11-27T23:26:53Z')).toBe('2026-11-27T23:26:53.000Z');
    expect(pueueTimeToIso(null)).toBeNull();
    expect(pueueTimeToIso('garbage')).toBeNull();
  });
});
