import type { HistorySummary, TimelineEntry } from './history-summary.js';

/** What `timeline --json` prints. */
export interface Timeline {
  readonly generated_at: string;
  readonly since: string;
  /** Tasks finished since `since`; `entries` holds the newest of them, up to the limit. */
  readonly matching: number;
  readonly entries: readonly TimelineEntry[];
}

export const buildTimeline = (now: Date, history: HistorySummary): Timeline => ({
  generated_at: now.toISOString(),
  since: history.timeline.since,
  matching: history.timeline.matching,
  entries: history.timeline.entries,
});
