import { stat } from 'node:fs/promises';
import { formatDuration } from '../core/duration.js';
import type { Runtime } from './runtime.js';
import type { TaskState } from './worker-state.js';

/**
 * Watches a running attempt for progress: the agent's output growing is progress (for Claude
 * Code every stream-json event, a tool call or tool progress, is a line of it), read by size
 * alone so a verbose stream costs one stat per poll. Progress goes into the heartbeat
 * (`last_progress_at`); a run alive but silent for PROGRESS_STALL_THRESHOLD gets a WARN, and an
 * ALERT at twice that, once each until it moves again.
 */
export class ProgressWatch {
  private size = 0;
  private lastMs: number;
  private reported: 0 | 1 | 2 = 0;

  constructor(
    private readonly rt: Runtime,
    private readonly ts: TaskState,
    startedMs: number,
  ) {
    this.lastMs = startedMs;
  }

  async check(): Promise<void> {
    const nowMs = this.rt.now().getTime();
    const size = this.ts.output_file ? await stat(this.ts.output_file).then((info) => info.size, () => 0) : 0;
    if (size > this.size) {
      this.size = size;
      this.lastMs = nowMs;
      this.reported = 0;
      this.rt.heartbeat.progress(new Date(nowMs).toISOString());
      return;
    }
    const threshold = this.rt.settings.PROGRESS_STALL_THRESHOLD;
    const silent = nowMs - this.lastMs;
    const level = silent >= 2 * threshold ? 2 : silent >= threshold ? 1 : 0;
    if (level <= this.reported) return;
    this.reported = level;
    await this.rt.events.log(
      level === 2 ? 'ALERT' : 'WARN',
      `Worker ${this.rt.workerId}: the agent on task ${this.ts.subissue} has shown no progress for ${formatDuration(silent)} (PROGRESS_STALL_THRESHOLD ${formatDuration(threshold)}).`,
    );
  }
}
