import { CommanderError } from 'commander';
import { isWorkersError, systemError } from '../core/errors.js';
import { restoreExtraCaCerts } from '../core/extra-ca-certs.js';

/**
 * The one place that turns a command's result or error into output and an exit code. A command
 * resolves to its exit code (0 when it returns nothing).
 */
export async function runCli(binName: string, main: (argv: string[]) => Promise<number | void>): Promise<void> {
  // A worker or the manager started without it (src/core/extra-ca-certs.ts) gives it back to its children.
  restoreExtraCaCerts(process.env);
  try {
    process.exitCode = (await main(process.argv)) ?? 0;
  } catch (error) {
    process.exitCode = exitCodeFor(binName, error);
  }
}

function exitCodeFor(binName: string, thrown: unknown): number {
  const error = systemError(thrown);
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    return error.code === 'commander.help' ? 0 : 2;
  }
  if (isWorkersError(error)) {
    process.stderr.write(`${binName}: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${binName}: unexpected error; please report it with this detail:\n${detail}\n`);
  return 1;
}
