import type { PerformanceAnalysis } from './analyze.js';
import { chalkFor, type ViewOptions } from './format.js';
import { renderReport } from './report-view.js';

/** `worker-performance analyze`: the report, then each finding with its recommendation, then scaling. */
export function renderAnalysis(analysis: PerformanceAnalysis, options: ViewOptions): string {
  const chalk = chalkFor(options);
  const { scaling } = analysis;
  const findings =
    analysis.findings.length === 0
      ? ['  No problems found.']
      : analysis.findings.flatMap((finding) => [`  ${chalk.yellow('!')} ${finding.message}`, `    -> ${finding.recommendation}`]);
  const change = scaling.recommended_workers - scaling.current_workers;
  const verdict =
    change === 0 ? `keep ${scaling.current_workers}` : `${change > 0 ? 'scale up' : 'scale down'} to ${scaling.recommended_workers}`;
  return [
    renderReport(analysis.report, options),
    chalk.bold('Findings'),
    ...findings,
    '',
    chalk.bold('Scaling'),
    `  ${scaling.current_workers} worker(s) running on ${scaling.cores} CPU core(s): ${verdict}. ${scaling.reason}`,
    '',
  ].join('\n');
}
