import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import { chalkFor, formatCount, formatTime, makeTable, type ViewOptions } from './format.js';
import type { TaskResult, TimelineEntry } from './history-summary.js';
import type { Timeline } from './timeline.js';
import { hasSeveralHosts } from '../core/worker-ref.js';

const MARKS: Record<TaskResult, (chalk: ChalkInstance) => string> = {
  success: (chalk) => chalk.green('✓'),
  review: (chalk) => chalk.yellow('?'),
  failed: (chalk) => chalk.red('✗'),
  cancelled: (chalk) => chalk.gray('-'),
  unverified: (chalk) => chalk.yellow('!'),
};

export function renderTimelineTable(entries: readonly TimelineEntry[], chalk: ChalkInstance): string {
  // A Host column only where the tasks were run on several hosts (the postgres store's history).
  const hosts = hasSeveralHosts(entries);
  const table = makeTable(
    ['', 'Finished', 'Task', 'Parent', ...(hosts ? ['Host'] : []), 'Worker', 'Duration', 'Result'],
    ['left', 'left', 'left', 'left', ...(hosts ? ['left' as const] : []), 'right', 'right', 'left'],
  );
  for (const entry of entries) {
    const outcome = entry.error_class === null ? entry.result : `${entry.result} (${entry.error_class})`;
    const result = entry.pr_url === undefined ? outcome : `${outcome}: pull request #${entry.pr_number} ${entry.pr_url}`;
    table.push([
      MARKS[entry.result](chalk),
      formatTime(entry.ended_at),
      entry.task_id,
      entry.parent,
      ...(hosts ? [entry.host] : []),
      String(entry.worker_id),
      formatDuration(entry.duration_ms),
      result,
    ]);
  }
  return table.toString();
}

/** `worker-performance timeline`: finished tasks, newest first, ✓ success, ? review, ✗ failure. */
export function renderTimeline(timeline: Timeline, options: ViewOptions): string {
  const chalk = chalkFor(options);
  const since = formatTime(timeline.since);
  if (timeline.matching === 0) return `No tasks finished since ${since}.\n`;
  const shown = timeline.entries.length < timeline.matching ? ` (the newest ${formatCount(timeline.entries.length)} shown)` : '';
  return [
    chalk.bold(`${formatCount(timeline.matching)} task(s) finished since ${since}${shown}`),
    '',
    renderTimelineTable(timeline.entries, chalk),
    '',
  ].join('\n');
}
