import type { NotifyMessage } from './outbox.js';

/** One message on its way to one sink. */
export interface Delivery {
  readonly message: NotifyMessage;
  readonly sink: string;
  readonly attempts: number;
  readonly next_at: number;
  /**
   * Set just before an attempt, cleared with its outcome: a delivery found with it by a new
   * manager was cut off mid-send (the manager was killed), and is not sent again.
   */
  readonly sending_since?: number;
}

/** A failing sink is tried this many times in all, waiting 1, 2, 4, ... s between tries. */
export const MAX_ATTEMPTS = 6;
const BASE_BACKOFF_MS = 1000;

export type AttemptResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** After an attempt: done (null), another try later, or dropped (too many failures). */
export function afterAttempt(delivery: Delivery, result: AttemptResult, nowMs: number): { next: Delivery | null; dropped: boolean } {
  if (result.ok) return { next: null, dropped: false };
  const attempts = delivery.attempts + 1;
  if (attempts >= MAX_ATTEMPTS) return { next: null, dropped: true };
  const { sending_since: _sent, ...waiting } = delivery;
  return { next: { ...waiting, attempts, next_at: nowMs + BASE_BACKOFF_MS * 2 ** (attempts - 1) }, dropped: false };
}
