import { coresBoundPool } from '../manager/pool-requests.js';
import { existsSync } from 'node:fs';
import { WorkersError } from '../core/errors.js';
import { workerErrorLog, type DataPaths } from '../core/paths.js';
import { hasSeveralHosts, workerHost, workerKey, workerLabel, type WorkerRef } from '../core/worker-ref.js';
import { buildAnalysis, type AnalysisFiles, type PerformanceAnalysis } from './analyze.js';
import { renderCsv } from './export-csv.js';
import { resolveExportFormat, verifyExportTarget, writeExport, type ExportFormat } from './export-target.js';
import { DEFAULT_TIMELINE_LIMIT, loadPerformanceData, type LoadedData, type PerformanceContext } from './load.js';
import { buildPerformanceReport, type PerformanceReport, type WorkerRow } from './report.js';
import { buildTimeline, type Timeline } from './timeline.js';

const reportOf = (context: PerformanceContext, data: LoadedData): PerformanceReport =>
  buildPerformanceReport({ now: context.now, thresholds: context.settings, ...data });

export async function buildReport(context: PerformanceContext): Promise<PerformanceReport> {
  return reportOf(context, await loadPerformanceData(context));
}

export async function buildTimelineFor(context: PerformanceContext, options: { since?: Date; limit?: number }): Promise<Timeline> {
  const data = await loadPerformanceData(context, { since: options.since, timelineLimit: options.limit ?? DEFAULT_TIMELINE_LIMIT });
  return buildTimeline(context.now, data.history);
}

export async function analyze(context: PerformanceContext): Promise<PerformanceAnalysis> {
  const data = await loadPerformanceData(context);
  const report = reportOf(context, data);
  return buildAnalysis(
    report,
    data.history,
    context.cores,
    existingLogs(
      context.paths,
      report.workers.filter((row) => row.host === workerHost(context.settings)),
    ),
    coresBoundPool(context.settings.WORKER_AGENT_CMD ?? 'claude'),
  );
}

/** The errors logs of this host's workers and manager.log, those that exist. */
function existingLogs(paths: DataPaths, workers: readonly WorkerRow[]): AnalysisFiles {
  const errorLogs = new Map(
    workers.map((row) => [workerKey(row), workerErrorLog(paths, row.id)] as const).filter(([, file]) => existsSync(file)),
  );
  return { errorLogs, managerLog: existsSync(paths.managerLog) ? paths.managerLog : null };
}

/** The monitor's frame: the report and the most recent completions, from one read. */
export async function buildMonitorFrame(
  context: PerformanceContext,
  recent: number,
): Promise<{ report: PerformanceReport; timeline: Timeline }> {
  const data = await loadPerformanceData(context, { timelineLimit: recent });
  return { report: reportOf(context, data), timeline: buildTimeline(context.now, data.history) };
}

async function renderExport(report: PerformanceReport, format: ExportFormat): Promise<string> {
  if (format === 'csv') return renderCsv(report);
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const { renderProm } = await import('./export-prom.js');
  return renderProm(report);
}

/** Checks the format and the target first, so a bad request reads nothing and writes nothing. */
export async function exportReport(
  context: PerformanceContext,
  options: { readonly file: string; readonly format?: string; readonly writeStdout: (text: string) => void },
): Promise<void> {
  const format = resolveExportFormat(options.file, options.format);
  await verifyExportTarget(options.file);
  const content = await renderExport(await buildReport(context), format);
  await writeExport(options.file, content, options.writeStdout);
}

export async function workerEfficiency(context: PerformanceContext, worker: WorkerRef): Promise<WorkerRow> {
  const report = await buildReport(context);
  const row = report.workers.find((candidate) => candidate.id === worker.id && candidate.host === worker.host);
  if (row === undefined) {
    const several = hasSeveralHosts(report.workers);
    const known = report.workers.map((candidate) => workerLabel(candidate, several)).join(', ');
    throw new WorkersError(
      'not-found',
      `Worker ${workerLabel(worker, several || worker.host !== workerHost(context.settings))} has no metrics and no task history${known ? `; known workers: ${known}` : ''}.`,
    );
  }
  return row;
}
