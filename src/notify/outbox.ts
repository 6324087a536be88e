import { createHash } from 'node:crypto';
import type { NotifyEvent, NotifyKind } from './events.js';

/** Events of one kind waiting for their coalescing window to close. */
export interface PendingGroup {
  readonly kind: NotifyKind;
  readonly first_at: number;
  readonly events: NotifyEvent[];
}

/** What leaves for the sinks: one or more events of one kind. */
export interface NotifyMessage {
  readonly id: string;
  readonly kind: NotifyKind;
  readonly at: string;
  readonly text: string;
  readonly events: NotifyEvent[];
}

const RATE_WINDOW_MS = 60_000;
const MAX_TEXT = 1800;

/** What makes two events the same news; a restart is news each time it happens. */
const sameNews = (a: NotifyEvent, b: NotifyEvent) =>
  a.kind !== 'worker_restarted' &&
  a.kind === b.kind &&
  a.worker === b.worker &&
  a.task === b.task &&
  a.parent === b.parent &&
  // Another pull request of the same parent ready is news too (it joins the same message).
  (a.pull_requests ?? []).join(' ') === (b.pull_requests ?? []).join(' ');

/** Adds events to the group of their kind still open, or opens one; an event the group already holds is told once. */
export function addToOutbox(outbox: readonly PendingGroup[], events: readonly NotifyEvent[], nowMs: number): PendingGroup[] {
  const groups = outbox.map((group) => ({ ...group, events: [...group.events] }));
  for (const event of events) {
    const open = groups.find((group) => group.kind === event.kind);
    if (open?.events.some((held) => sameNews(held, event))) continue;
    if (open) open.events.push(event);
    else groups.push({ kind: event.kind, first_at: nowMs, events: [event] });
  }
  return groups;
}

/** When the first event was seen, as a person reads it: `2026-12-01 10:30:00 UTC`. */
const seenAt = (iso: string) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
};

/** The events' summaries and when the first was seen; a long list is cut, the time never. */
export function messageText(events: readonly NotifyEvent[]): string {
  const text =
    events.length === 1
      ? events[0]!.summary
      : `${events.length} ${events[0]!.kind.replace(/_/g, ' ')} events: ${events.map((event) => event.summary).join(' ')}`;
  const time = ` (seen ${seenAt(events[0]!.at)})`;
  const room = MAX_TEXT - time.length;
  return `${text.length > room ? `${text.slice(0, room - 1)}…` : text}${time}`;
}

/** The id is a hash of the events, so the same group always gets the same id (what a receiver can deduplicate on). */
export function toMessage(group: PendingGroup, nowMs: number): NotifyMessage {
  const id = createHash('sha256').update(JSON.stringify(group.events)).digest('hex').slice(0, 16);
  return { id, kind: group.kind, at: new Date(nowMs).toISOString(), text: messageText(group.events), events: [...group.events] };
}

/**
 * The groups whose window (NOTIFY_COALESCE from their first event) has closed, oldest first, as
 * far as the rate limit allows: `sentAt` holds the send times of the last minute. The rest wait,
 * and keep coalescing.
 */
export function takeDue(
  outbox: readonly PendingGroup[],
  sentAt: readonly number[],
  options: { readonly nowMs: number; readonly coalesceMs: number; readonly perMinute: number },
): { due: PendingGroup[]; waiting: PendingGroup[]; sentAt: number[] } {
  const recent = sentAt.filter((at) => options.nowMs - at < RATE_WINDOW_MS);
  const closed = outbox.filter((group) => options.nowMs - group.first_at >= options.coalesceMs).sort((a, b) => a.first_at - b.first_at);
  const due = closed.slice(0, Math.max(0, options.perMinute - recent.length));
  return {
    due,
    waiting: outbox.filter((group) => !due.includes(group)),
    sentAt: [...recent, ...due.map(() => options.nowMs)],
  };
}
