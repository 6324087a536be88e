import type { Settings } from '../core/settings.js';

/**
 * The crash-loop policy, as a pure function of what is persisted about a worker and the time.
 *
 * - The first restart after a healthy run is immediate (a killed worker is replaced at once).
 * - Each further consecutive restart waits longer: RESTART_DELAY, 2x, 4x, ... up to a cap.
 * - A death within RESTART_MIN_UPTIME of the (re)start is unstable and counts; a later death does
 *   not count (a worker that ran a while then died is not crash-looping).
 * - A worker up for RESTART_STABLE_PERIOD has its count reset.
 * - After MAX_RESTART_ATTEMPTS consecutive unstable restarts the next unstable death gives up.
 */
export type RestartPolicy = Pick<Settings, 'RESTART_DELAY' | 'MAX_RESTART_ATTEMPTS' | 'RESTART_MIN_UPTIME' | 'RESTART_STABLE_PERIOD'>;

export interface RestartHistory {
  /** When the manager last started this worker (null: not known, treated as long ago). */
  readonly started_at: string | null;
  readonly consecutive_unstable: number;
}

export type RestartDecision =
  | { readonly kind: 'restart'; readonly delayMs: number; readonly unstable: boolean; readonly consecutive: number }
  | { readonly kind: 'give-up'; readonly consecutive: number };

const MAX_DELAY_MS = 5 * 60_000;

export const uptimeMs = (history: RestartHistory, now: Date) =>
  history.started_at === null ? Number.POSITIVE_INFINITY : now.getTime() - Date.parse(history.started_at);

/** The count as it stands at `now`: a stable period since the last start clears it. */
export function currentCount(history: RestartHistory, now: Date, policy: RestartPolicy): number {
  return uptimeMs(history, now) >= policy.RESTART_STABLE_PERIOD ? 0 : history.consecutive_unstable;
}

/** Delay before the restart that follows `previous` consecutive restarts. */
export function backoffMs(previous: number, policy: RestartPolicy): number {
  if (previous <= 0) return 0;
  const cap = Math.max(policy.RESTART_DELAY, MAX_DELAY_MS);
  return Math.min(cap, policy.RESTART_DELAY * 2 ** Math.min(previous - 1, 30));
}

/** What to do about a worker found dead (exited, missing, hung) at `now`. */
export function decideRestart(history: RestartHistory, now: Date, policy: RestartPolicy): RestartDecision {
  const previous = currentCount(history, now, policy);
  const unstable = uptimeMs(history, now) < policy.RESTART_MIN_UPTIME;
  if (unstable && previous >= policy.MAX_RESTART_ATTEMPTS) return { kind: 'give-up', consecutive: previous };
  return { kind: 'restart', delayMs: backoffMs(previous, policy), unstable, consecutive: unstable ? previous + 1 : previous };
}
