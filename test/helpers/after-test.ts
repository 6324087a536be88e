/**
 * Cleanups that run after the current test, newest first, whatever file it is in.
 *
 * A helper must not register its own module-level afterEach: where files share modules (the unit
 * project runs in threads with isolate: false) a helper module is evaluated once, so its hook would
 * be registered in the first file that imports it and in no other. The one afterEach that runs
 * these is in setup-each-file.ts, which vitest evaluates again before every test file.
 */
const pending: (() => unknown)[] = [];

/** Runs `cleanup` after the current test (or after the first test, when called in beforeAll). */
export function afterThisTest(cleanup: () => unknown): void {
  pending.push(cleanup);
}

/** Runs and forgets every pending cleanup, newest first; all run even when one throws. */
export async function runAfterTestCleanups(): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of pending.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} test cleanups failed`);
}
