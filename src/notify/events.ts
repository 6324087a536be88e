import { usageError } from '../core/errors.js';

/** What a person is told about; NOTIFY_EVENTS names these. */
export const NOTIFY_KINDS = [
  'worker_dead',
  'worker_restarted',
  'worker_gave_up',
  'task_failed',
  'task_review',
  'pool_paused',
  'pool_resumed',
  'auth_hold',
  'agent_stalled',
  'queue_drained',
  'parent_delivered',
  'budget_warning',
  'budget_reached',
  'review_wait',
  'pr_ready',
  'parent_ready',
  'pr_needs_person',
  'test',
] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

export interface NotifyEvent {
  readonly kind: NotifyKind;
  /** ISO time the change was seen. */
  readonly at: string;
  /** One line for a person. */
  readonly summary: string;
  readonly worker?: number;
  readonly task?: string;
  readonly parent?: string;
  readonly title?: string;
  /** Why it happened, in words (the text says it too). */
  readonly cause?: string;
  /** The command a person runs about it, or what happens without one. */
  readonly command?: string;
  /** parent_delivered: the pull request URLs (or numbers) its sub-issues ended in. */
  readonly pull_requests?: string[];
}

/** NOTIFY_EVENTS: `all`, or a comma-separated list of kinds; an unknown name is refused. */
export function parseEventFilter(raw: string): ReadonlySet<NotifyKind> {
  const words = raw
    .split(',')
    .map((word) => word.trim())
    .filter(Boolean);
  if (words.length === 0 || words.includes('all')) return new Set(NOTIFY_KINDS);
  for (const word of words) {
    if (!(NOTIFY_KINDS as readonly string[]).includes(word)) {
      throw usageError(
        `NOTIFY_EVENTS names an unknown event ${JSON.stringify(word)}: use all or some of ${NOTIFY_KINDS.filter((kind) => kind !== 'test').join(', ')}.`,
      );
    }
  }
  // The test event always goes out: notify-test is asked for by a person.
  return new Set([...(words as NotifyKind[]), 'test']);
}
