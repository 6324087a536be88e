import type { HistoryVisitor } from '../history/history-reader.js';
import type { PerformanceRecord } from '../history/history-record.js';

export interface HourBucket {
  /** Start of the hour (ISO). */
  readonly start: string;
  readonly finished: number;
  readonly failed: number;
}

const HOUR_MS = 3_600_000;
export const CHART_HOURS = 24;

/** Finished and failed tasks per hour over the last 24 hours, and the cost of today (UTC), from one pass over the history. */
export class HourlyChart implements HistoryVisitor {
  private readonly finished = new Array<number>(CHART_HOURS).fill(0);
  private readonly failed = new Array<number>(CHART_HOURS).fill(0);
  private readonly firstHour: number;
  private readonly dayStart: number;
  costTodayUsd = 0;

  constructor(now: Date) {
    this.firstHour = Math.floor(now.getTime() / HOUR_MS) - (CHART_HOURS - 1);
    this.dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  }

  add(record: PerformanceRecord): void {
    if (record.endedAt >= this.dayStart) this.costTodayUsd += record.cost_usd ?? 0;
    const index = Math.floor(record.endedAt / HOUR_MS) - this.firstHour;
    if (index < 0 || index >= CHART_HOURS) return;
    this.finished[index]! += 1;
    if (record.result === 'failed') this.failed[index]! += 1;
  }

  skip(): void {}

  buckets(): HourBucket[] {
    return this.finished.map((finished, index) => ({
      start: new Date((this.firstHour + index) * HOUR_MS).toISOString(),
      finished,
      failed: this.failed[index]!,
    }));
  }
}
