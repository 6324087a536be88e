import { Chalk, type ChalkInstance } from 'chalk';
import { TextTable } from '../core/text-table.js';
import { formatDuration } from '../core/duration.js';
import type { HealthState } from './classify.js';
import type { HealthReport } from './report.js';

export interface ViewOptions {
  /** chalk level: 0 for plain text. */
  readonly colorLevel: 0 | 1 | 2 | 3;
}

const STATE_COLORS: Record<HealthState, (chalk: ChalkInstance) => ChalkInstance> = {
  healthy: (c) => c.green,
  working: (c) => c.cyan,
  slow: (c) => c.yellow,
  unresponsive: (c) => c.yellow,
  recovering: (c) => c.magenta,
  stopped: (c) => c.gray,
  dead: (c) => c.red.bold,
  unknown: (c) => c.gray,
};

const sinceText = (fromIso: string | null, now: Date) =>
  fromIso === null ? '-' : formatDuration(Math.max(0, now.getTime() - Date.parse(fromIso)));

function renderWorkerTable(report: HealthReport, chalk: ChalkInstance): string {
  if (report.workers.length === 0) return 'No workers have reported yet.';
  const now = new Date(report.generated_at);
  const table = new TextTable(['Worker', 'Health', 'Status', 'Task', 'Task time', 'Heartbeat', 'Progress', 'Done', 'Failed', 'Restarts']);
  for (const worker of report.workers) {
    const hasTask = worker.current_task !== 'none';
    table.push([
      String(worker.id),
      STATE_COLORS[worker.health](chalk)(worker.health),
      worker.status,
      hasTask ? worker.current_task : '-',
      hasTask ? sinceText(worker.task_started_at, now) : '-',
      worker.last_heartbeat === null ? 'never' : `${sinceText(worker.last_heartbeat, now)} ago`,
      worker.last_progress_at === null ? '-' : `${sinceText(worker.last_progress_at, now)} ago`,
      String(worker.tasks_completed),
      String(worker.tasks_failed),
      String(worker.restarts),
    ]);
  }
  return table.toString();
}

function renderSummary(report: HealthReport): string[] {
  const { stats, summary } = report;
  const states = Object.entries(summary.by_health)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${state}`)
    .join(', ');
  const rate = stats.success_rate_percent === null ? 'n/a' : `${stats.success_rate_percent}%`;
  return [
    `Workers: ${summary.workers}${states ? ` (${states})` : ''}`,
    `Tasks: ${stats.total_tasks} total, ${stats.successful_tasks} succeeded, ${stats.failed_tasks} failed (success rate ${rate}); restarts: ${stats.restarts}`,
  ];
}

/** One frame of `worker-health-monitor dashboard`. */
export function renderDashboard(report: HealthReport, options: ViewOptions): string {
  const chalk = new Chalk({ level: options.colorLevel });
  const alerts = report.recent_alerts.length === 0 ? ['  none'] : report.recent_alerts.map((line) => `  ${chalk.red(line)}`);
  return [
    chalk.bold(`Worker health dashboard  ${report.generated_at}`),
    '',
    renderWorkerTable(report, chalk),
    '',
    ...renderSummary(report),
    '',
    chalk.bold('Recent alerts:'),
    ...alerts,
  ].join('\n');
}

/** `worker-health-monitor report` as text. */
export function renderHealthReport(report: HealthReport, options: ViewOptions): string {
  const chalk = new Chalk({ level: options.colorLevel });
  const { thresholds } = report;
  return [
    chalk.bold('Worker health report'),
    `Generated: ${report.generated_at}`,
    `Thresholds: dead after ${thresholds.dead_worker_threshold_s} s without a heartbeat, slow after ${thresholds.slow_task_threshold_s} s on one task`,
    '',
    ...renderSummary(report),
    '',
    renderWorkerTable(report, chalk),
    '',
    `Recent alerts: ${report.recent_alerts.length === 0 ? 'none' : ''}`,
    ...report.recent_alerts.map((line) => `  ${line}`),
  ].join('\n');
}
