import { describe, expect, it } from 'vitest';
import { pollUntil, waitUntil, type PollClock } from '../../src/core/poll.js';

/** A clock that only moves when the poll sleeps; it records each pause. */
function fakeClock(): PollClock & { readonly pauses: number[] } {
  let now = 1_000;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: (ms) => {
      pauses.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('pollUntil', () => {
  it('returns the first value the probe gives, probing at once and then after each pause', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await pollUntil(() => (++calls === 3 ? 'ready' : undefined), { timeoutMs: 1_000, intervalMs: 50, clock });
    expect(value).toBe('ready');
    expect(clock.pauses).toEqual([50, 50]);
  });

  it('gives up with undefined after the deadline, having probed once at the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await pollUntil(
      () => {
        calls += 1;
        return undefined;
      },
      { timeoutMs: 120, intervalMs: 50, clock },
    );
    expect(value).toBeUndefined();
    expect(clock.pauses).toEqual([50, 50, 20]);
    expect(calls).toBe(4);
  });

  it('doubles the pause up to maxIntervalMs', async () => {
    const clock = fakeClock();
    await pollUntil(() => undefined, { timeoutMs: 1_000, intervalMs: 25, maxIntervalMs: 150, clock });
    expect(clock.pauses.slice(0, 5)).toEqual([25, 50, 100, 150, 150]);
  });

  it('waits for an async probe and keeps a falsy value other than undefined', async () => {
    const clock = fakeClock();
    expect(await pollUntil(() => Promise.resolve(0), { timeoutMs: 10, intervalMs: 5, clock })).toBe(0);
  });
});

describe('waitUntil', () => {
  it('is true once the condition holds and false when the deadline passes first', async () => {
    let ticks = 0;
    expect(await waitUntil(() => ++ticks >= 2, { timeoutMs: 100, intervalMs: 10, clock: fakeClock() })).toBe(true);
    expect(await waitUntil(() => false, { timeoutMs: 100, intervalMs: 10, clock: fakeClock() })).toBe(false);
  });
});
