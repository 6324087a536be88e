import type { PerformanceReport } from './report.js';
import { hasSeveralHosts } from '../core/worker-ref.js';

/** The shell tool's header, kept byte for byte so cron jobs written for it keep working (docs/SPEC.md section 12). */
export const CSV_HEADER = 'Worker ID,Tasks Completed,Tasks Failed,Total Tasks,Efficiency %,Restarts,Current Status';

/** RFC 4180 quoting, for a status text that holds a comma or a quote. */
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/**
 * One row per worker; efficiency is completed / total * 100, and 0 for a worker without tasks.
 * Workers of several hosts add a last column, Host, so the shell tool's seven stay as they were.
 */
export function renderCsv(report: PerformanceReport): string {
  const hosts = hasSeveralHosts(report.workers);
  const rows = report.workers.map((row) =>
    [row.id, row.succeeded, row.failed, row.tasks, row.efficiency_percent, row.restarts, row.status, ...(hosts ? [row.host] : [])]
      .map(csvField)
      .join(','),
  );
  return `${[hosts ? `${CSV_HEADER},Host` : CSV_HEADER, ...rows].join('\n')}\n`;
}
