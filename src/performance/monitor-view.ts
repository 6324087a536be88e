import { chalkFor, type ViewOptions } from './format.js';
import type { PerformanceReport } from './report.js';
import { renderReport } from './report-view.js';
import type { Timeline } from './timeline.js';
import { renderTimelineTable } from './timeline-view.js';

/** One frame of `worker-performance monitor`: the report and the latest completions. */
export function renderMonitorFrame(frame: { report: PerformanceReport; timeline: Timeline }, options: ViewOptions): string {
  const chalk = chalkFor(options);
  const recent = frame.timeline.entries.length === 0 ? 'None in the last 24 hours.' : renderTimelineTable(frame.timeline.entries, chalk);
  return [renderReport(frame.report, options), chalk.bold('Recent completions'), recent, ''].join('\n');
}
