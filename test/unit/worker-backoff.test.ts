import { describe, expect, it } from 'vitest';
import { retryCapMs, retryDelayMs } from '../../src/worker/backoff.js';

describe('retryDelayMs', () => {
  it('doubles from the base with no jitter at the top of the range', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000, 60_000, top))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('keeps half of the delay and randomizes the other half', () => {
    expect(retryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 60_000, () => 0.5)).toBe(3000);
  });

  it('grows between attempts whatever the jitter', () => {
    const draws = [0.999, 0, 0.999, 0];
    let index = 0;
    const random = () => draws[index++ % draws.length]!;
    const first = retryDelayMs(1, 500, 60_000, random);
    const second = retryDelayMs(2, 500, 60_000, random);
    expect(second).toBeGreaterThanOrEqual(first);
  });

  it('stops at the cap, even for huge attempt numbers', () => {
    expect(retryDelayMs(50, 1000, 30_000, () => 0.999999)).toBe(30_000);
    expect(retryDelayMs(5000, 1000, 30_000, () => 0)).toBe(15_000);
  });

  it('is zero for a zero base', () => {
    expect(retryDelayMs(3, 0, retryCapMs(0), () => 0.7)).toBe(0);
  });

  it('caps at 30 times the base, at most an hour', () => {
    expect(retryCapMs(5000)).toBe(150_000);
    expect(retryCapMs(600_000)).toBe(3_600_000);
  });
});
