import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

interface Totals {
  passed: number;
  failed: number;
  skipped: string[];
}

function countTests(tasks: readonly RunnerTask[], totals: Totals, path: string) {
  for (const task of tasks) {
    const name = path === '' ? task.name : `${path} > ${task.name}`;
    if (task.type === 'suite') {
      countTests(task.tasks, totals, name);
      continue;
    }
    const state = task.result?.state;
    if (state === 'pass') totals.passed += 1;
    else if (state === 'fail') totals.failed += 1;
    else totals.skipped.push(name);
  }
}

/**
 * Ends every run with the plain line CI reads: `tests: N passed, N failed[, N skipped]`.
 *
 * Under CI=true a skipped test counts as failed (and fails the run): CI installs every tool the
 * tests need (.ci/run), so a skip there is a test that silently did not run.
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []) {
    const totals: Totals = { passed: 0, failed: 0, skipped: [] };
    for (const file of files) countTests(file.tasks, totals, file.name);
    // A file that failed to load has no tests but is a failure.
    totals.failed += files.filter((file) => file.result?.state === 'fail' && file.tasks.length === 0).length + errors.length;
    let skipped = totals.skipped.length;
    if (process.env.CI === 'true' && skipped > 0) {
      process.stdout.write(`\nCI=true: ${skipped} skipped tests count as failed:\n${totals.skipped.map((name) => `  ${name}\n`).join('')}`);
      totals.failed += skipped;
      skipped = 0;
      process.exitCode = 1;
    }
    const skippedText = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed${skippedText}\n`);
  }
}
