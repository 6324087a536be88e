import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest';

function countTests(tasks: readonly RunnerTask[], totals: { passed: number; failed: number; skipped: number }) {
  for (const task of tasks) {
    if (task.type === 'suite') {
      countTests(task.tasks, totals);
      continue;
    }
    const state = task.result?.state;
    if (state === 'pass') totals.passed += 1;
    else if (state === 'fail') totals.failed += 1;
    else totals.skipped += 1;
  }
}

/** Ends every run with the plain line CI reads: `tests: N passed, N failed[, N skipped]`. */
export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []) {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    countTests(files, totals);
    // A file that failed to load has no tests but is a failure.
    totals.failed += files.filter((file) => file.result?.state === 'fail' && file.tasks.length === 0).length + errors.length;
    const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
    process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
  }
}
