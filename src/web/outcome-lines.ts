import { describeOutcome } from '../performance/outcomes-view.js';
import type { PerformanceReport } from '../performance/report.js';
import { spendLines } from '../performance/report-view.js';

/** The page's lines: the outcomes, overall then per parent, and the spend per day and per parent (as the report says them). */
export function pageOutcomeLines(report: PerformanceReport): string[] {
  const outcomes = report.outcomes;
  return [
    ...(outcomes === undefined
      ? []
      : [
          `All pull requests: ${describeOutcome(outcomes.overall)}`,
          ...outcomes.parents.map((row) => `Parent #${row.parent}: ${describeOutcome(row)}`),
        ]),
    ...spendLines(report).map((line) => line.trim()),
  ];
}
