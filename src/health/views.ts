import { Chalk, type ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import { fitTable, wrapLine, type FitColumn } from '../core/fit-width.js';
import type { HealthState } from './classify.js';
import type { HealthReport } from './report.js';
import { hasSeveralHosts } from '../core/worker-ref.js';

export interface ViewOptions {
  /** chalk level: 0 for plain text. */
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** The terminal's width: the view fits it (undefined: no limit). */
  readonly columns?: number | undefined;
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

/** Narrow terminals lose Status first (Health says most of it), then Progress, Restarts, Failed. */
const WORKER_COLUMNS: readonly FitColumn[] = [
  { head: 'Host', minWidth: 6 },
  { head: 'Worker' },
  { head: 'Health' },
  { head: 'Status', drop: 1 },
  { head: 'Task', minWidth: 8 },
  { head: 'Task time', drop: 5 },
  { head: 'Heartbeat' },
  { head: 'Progress', drop: 2 },
  { head: 'Done' },
  { head: 'Failed', drop: 4 },
  { head: 'Restarts', drop: 3 },
];

function renderWorkerTable(report: HealthReport, chalk: ChalkInstance, columns: number | undefined): string {
  if (report.workers.length === 0) return 'No workers have reported yet.';
  const now = new Date(report.generated_at);
  // The Host column only where the rows are of several hosts (the postgres store's fleet).
  const hosts = hasSeveralHosts(report.workers);
  const rows = report.workers.map((worker) => {
    const hasTask = worker.current_task !== 'none';
    return [
      worker.host,
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
    ];
  });
  return hosts
    ? fitTable(WORKER_COLUMNS, rows, columns)
    : fitTable(
        WORKER_COLUMNS.slice(1),
        rows.map((row) => row.slice(1)),
        columns,
      );
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
  const fit = (line: string) => wrapLine(line, options.columns);
  // Wrapped before colouring, so a colour never spans a line break.
  const alerts =
    report.recent_alerts.length === 0
      ? ['  none']
      : report.recent_alerts.flatMap((line) => fit(`  ${line}`).map((part) => chalk.red(part)));
  return [
    chalk.bold(`Worker health dashboard  ${report.generated_at}`),
    '',
    renderWorkerTable(report, chalk, options.columns),
    '',
    ...renderSummary(report).flatMap(fit),
    '',
    chalk.bold('Recent alerts:'),
    ...alerts,
  ].join('\n');
}

/** `worker-health-monitor report` as text. */
export function renderHealthReport(report: HealthReport, options: ViewOptions): string {
  const chalk = new Chalk({ level: options.colorLevel });
  const { thresholds } = report;
  const fit = (line: string) => wrapLine(line, options.columns);
  return [
    chalk.bold('Worker health report'),
    `Generated: ${report.generated_at}`,
    ...fit(
      `Thresholds: dead after ${thresholds.dead_worker_threshold_s} s without a heartbeat, slow after ${thresholds.slow_task_threshold_s} s on one task`,
    ),
    '',
    ...renderSummary(report).flatMap(fit),
    '',
    renderWorkerTable(report, chalk, options.columns),
    '',
    `Recent alerts: ${report.recent_alerts.length === 0 ? 'none' : ''}`,
    ...report.recent_alerts.flatMap((line) => fit(`  ${line}`)),
  ].join('\n');
}
