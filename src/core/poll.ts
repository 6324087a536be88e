import { setTimeout as sleep } from 'node:timers/promises';

/** Time as a poll sees it; tests pass a fake one. */
export interface PollClock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
}

export const systemClock: PollClock = { now: () => Date.now(), sleep };

export interface PollOptions {
  readonly timeoutMs: number;
  /** The pause between two probes. */
  readonly intervalMs: number;
  /** When given, the pause doubles after each probe up to this (for a daemon that takes a while). */
  readonly maxIntervalMs?: number;
  readonly clock?: PollClock;
}

/**
 * Calls `probe` until it gives a value other than undefined and returns that value, or returns
 * undefined once `timeoutMs` has passed. The first probe runs at once, and one runs at the deadline.
 */
export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T | undefined> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  let interval = options.intervalMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(interval, left));
    if (options.maxIntervalMs !== undefined) interval = Math.min(interval * 2, options.maxIntervalMs);
  }
}

/** `pollUntil` for a condition: true as soon as it holds, false when the deadline passes first. */
export const waitUntil = async (condition: () => boolean | Promise<boolean>, options: PollOptions): Promise<boolean> =>
  (await pollUntil(async () => ((await condition()) ? true : undefined), options)) === true;
