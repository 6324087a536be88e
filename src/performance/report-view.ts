import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import { chalkFor, colorEfficiency, describeCost, formatCount, formatTime, formatUsd, makeTable, type ViewOptions } from './format.js';
import type { PerformanceReport, WorkerRow } from './report.js';
import { outcomeLines } from './outcomes-view.js';
import { hasSeveralHosts } from '../core/worker-ref.js';

const seconds = (value: number | null) => (value === null ? '-' : formatDuration(value * 1000));
const rate = (value: number | null) => (value === null ? '' : ` (${value}%)`);

function renderOverall(report: PerformanceReport): string[] {
  const { overall, history, queue } = report;
  const { duration, throughput_per_hour: throughput } = overall;
  const durationText =
    duration.tasks === 0
      ? 'no finished tasks in the history'
      : `average ${seconds(duration.average_s)}, median ${seconds(duration.median_s)}, p90 ${seconds(duration.p90_s)} ` +
        `(${formatCount(duration.tasks)} tasks${duration.tasks > duration.quantile_window ? `; median and p90 over the last ${formatCount(duration.quantile_window)}` : ''})`;
  const invalid = history.invalid_lines === 0 ? '' : ` (${formatCount(history.invalid_lines)} invalid line(s) skipped)`;
  return [
    'Overall',
    `  Tasks:       ${formatCount(overall.tasks_processed)} processed, ${formatCount(overall.succeeded)} succeeded${rate(overall.success_rate_percent)}, ` +
      `${formatCount(overall.failed)} failed${rate(overall.failure_rate_percent)}`,
    `  Restarts:    ${formatCount(overall.restarts)}`,
    `  Duration:    ${durationText}`,
    `  Throughput:  ${throughput.last_hour} tasks/h over the last hour, ${throughput.last_day} tasks/h over the last day`,
    `  Cost:        ${describeCost(report.cost)}`,
    `  History:     ${formatCount(history.records)} record(s)${invalid}`,
    ...spendLines(report),
    ...outcomeLines(report.outcomes),
    '',
    queue.available
      ? `Queue (${queue.backend}): ${formatCount(queue.pending)} pending, ${formatCount(queue.running)} running`
      : `Queue: unavailable (${queue.reason})`,
  ];
}

export function renderWorkerTable(report: PerformanceReport, chalk: ChalkInstance): string {
  if (report.workers.length === 0) return 'No workers have reported yet.';
  // A Host column only where the rows are of several hosts (the postgres store's fleet).
  const hosts = hasSeveralHosts(report.workers);
  const table = makeTable(
    [...(hosts ? ['Host'] : []), 'Worker', 'Tasks', 'Succeeded', 'Failed', 'Efficiency', 'Restarts', 'Status', 'Health', 'Cost'],
    [...(hosts ? ['left' as const] : []), 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'right'],
  );
  for (const row of report.workers) {
    const cost = row.history.cost;
    table.push([
      ...(hosts ? [row.host] : []),
      String(row.id),
      formatCount(row.tasks),
      formatCount(row.succeeded),
      formatCount(row.failed),
      colorEfficiency(chalk, row.efficiency_percent, row.tasks),
      formatCount(row.restarts),
      row.status,
      row.health,
      cost.tasks_with_cost === 0 ? '-' : formatUsd(cost.total_usd),
    ]);
  }
  return table.toString();
}

/** `worker-performance report`: overall figures, the queue, one row per worker. */
export function renderReport(report: PerformanceReport, options: ViewOptions): string {
  const chalk = chalkFor(options);
  return [
    chalk.bold(`Worker performance at ${formatTime(report.generated_at)}`),
    '',
    ...renderOverall(report),
    '',
    renderWorkerTable(report, chalk),
    '',
  ].join('\n');
}

/** `worker-performance efficiency ID`. */
export function renderEfficiency(row: WorkerRow, options: ViewOptions): string {
  const chalk = chalkFor(options);
  return `Worker ${row.id}: ${colorEfficiency(chalk, row.efficiency_percent, row.tasks)} efficiency (${formatCount(row.succeeded)} of ${formatCount(row.tasks)} task(s) succeeded, ${formatCount(row.failed)} failed)\n`;
}

/** The last week's days and every parent, each with its reported spend and its unknown runs. */
export function spendLines(report: PerformanceReport): string[] {
  const spend = report.spend;
  if (spend === undefined || (spend.days.length === 0 && spend.parents.length === 0)) return [];
  const text = (row: { usd: number; unknown_cost_runs: number }) =>
    `${formatUsd(row.usd)}${row.unknown_cost_runs === 0 ? '' : ` + ${row.unknown_cost_runs} run(s) of unknown cost`}`;
  return [
    `  Spend/day:   ${spend.days
      .slice(-7)
      .map((row) => `${row.day}${row.day === spend.today ? ' (today)' : ''} ${text(row)}`)
      .join(', ')}`,
    `  Spend/parent: ${spend.parents.map((row) => `#${row.parent} ${text(row)}`).join(', ')}`,
  ];
}
