import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePause, UsagePause, usagePauseFile } from '../../src/pause/usage-pause.js';
import { makeTempDir } from '../helpers/temp.js';

function setup(start = '2026-11-27T23:00:00Z', random = 0.5) {
  const root = makeTempDir('hw-pause-');
  const paths = { stateDir: join(root, 'state') };
  let now = new Date(start);
  const clock = {
    set: (iso: string) => {
      now = new Date(iso);
    },
  };
  const make = () => new UsagePause({ paths, now: () => now, random: () => random, jitterMaxMs: 60_000, fallbackMs: 600_000 });
  return { paths, clock, make };
}

const seen = (resetsAt: string | undefined, source = 'worker-1') => ({
  ...(resetsAt ? { resetsAt: new Date(resetsAt) } : {}),
  limitType: 'five_hour',
  source,
  message: "You've hit your 5-hour limit",
});

describe('UsagePause', () => {
  it('pauses until the reset plus injected jitter, persisted for other processes, and runs out by itself', async () => {
    const { paths, clock, make } = setup();
    const pause = await make().pauseFor(seen('2026-11-27T23:30:00Z'));
    expect(pause).toMatchObject({
      until: '2026-11-27T23:30:30.000Z',
      resetsAt: '2026-11-27T23:30:00.000Z',
      limitType: 'five_hour',
      source: 'worker-1',
    });
    expect(describePause(pause)).toBe('paused until 2026-11-27T23:30:30.000Z (five_hour)');
    const onDisk = JSON.parse(readFileSync(usagePauseFile(paths), 'utf8'));
    expect(onDisk.version).toBe(1);
    const other = make();
    expect((await other.current())?.until).toBe('2026-11-27T23:30:30.000Z');
    clock.set('2026-11-27T23:30:29.999Z');
    expect(await other.current()).not.toBeNull();
    clock.set('2026-11-27T23:30:30.000Z');
    expect(await other.current()).toBeNull();
  });

  it('keeps the first pause when more workers report the same reset, extends it for a later one', async () => {
    const { paths, make } = setup();
    const first = await make().pauseFor(seen('2026-11-27T23:30:00Z', 'worker-1'));
    const again = await new UsagePause({
      paths,
      now: () => new Date('2026-11-27T23:01:00Z'),
      random: () => 0.99,
      jitterMaxMs: 60_000,
    }).pauseFor(seen('2026-11-27T23:30:00Z', 'worker-2'));
    expect(again).toEqual(first);
    const later = await make().pauseFor(seen('2026-11-28T02:00:00Z', 'worker-3'));
    expect(later).toMatchObject({ until: '2026-11-28T02:00:30.000Z', source: 'worker-3' });
  });

  it('pauses for the fallback time when the limit came without a reset time', async () => {
    const { make } = setup('2026-11-27T23:00:00Z', 0);
    expect(await make().pauseFor(seen(undefined))).toMatchObject({ until: '2026-11-27T23:10:00.000Z', resetsAt: null });
  });

  it('is lifted early, once', async () => {
    const { make } = setup();
    const pause = make();
    await pause.pauseFor(seen('2026-11-27T23:30:00Z'));
    expect((await pause.lift())?.source).toBe('worker-1');
    expect(await pause.current()).toBeNull();
    expect(await pause.lift()).toBeNull();
  });

  it('reads a corrupt file as no pause (moved aside) and a missing one as none', async () => {
    const { paths, make } = setup();
    expect(await make().current()).toBeNull();
    mkdirSync(paths.stateDir, { recursive: true });
    writeFileSync(usagePauseFile(paths), '{"version":1,"pause":{"until":"garbage"}}');
    expect(await make().current()).toBeNull();
  });
});
