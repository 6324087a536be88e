/**
 * Delay before retry number `failedAttempts` (1 after the first failure): exponential from `baseMs`
 * (base, 2x base, 4x base, ...), capped at `capMs`, then "equal jitter": half the delay is kept and
 * the other half is random, so delays still grow but workers that failed together do not retry in
 * lockstep. `random` returns [0, 1) and is injected so tests are exact.
 */
export function retryDelayMs(failedAttempts: number, baseMs: number, capMs: number, random: () => number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const delay = Math.min(capMs, baseMs * 2 ** Math.min(exponent, 30));
  const half = delay / 2;
  return Math.round(half + half * random());
}

/** The cap used by the worker: 30 times the base, at most an hour (the base itself may be 0). */
export const retryCapMs = (baseMs: number) => Math.min(3_600_000, baseMs * 30);
