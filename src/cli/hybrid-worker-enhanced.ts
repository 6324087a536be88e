import { Command } from 'commander';
import { parseWorkerId } from '../core/worker-id.js';
import { loadContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'hybrid-worker-enhanced';

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description(
      'Run one worker in the foreground: claim tasks, work each in <repo>/.worktrees/subissue-<id> with the agent, retry, recover.\n' +
        'Stop: SIGTERM/SIGINT (a second one requeues the task and exits). Drain: SIGUSR1 or the file state/worker-<id>.drain.',
    )
    .argument('[id]', 'worker id, a whole number', '1')
    .option('--repo <dir>', 'the git repository to work in (default: the one holding the current directory)')
    .option('--base <branch>', "the branch task branches start from (default: the repository's current branch)")
    .exitOverride()
    .action(async (rawId: string, options: { repo?: string; base?: string }) => {
      const workerId = parseWorkerId(rawId);
      const context = await loadContext();
      const { startWorker } = await import('../worker/start-worker.js');
      const stamp = () => context.now().toISOString();
      const { control, done } = await startWorker({
        workerId,
        paths: context.paths,
        settings: context.settings,
        env: context.env,
        now: context.now,
        cwd: process.cwd(),
        ...(options.repo === undefined ? {} : { repo: options.repo }),
        ...(options.base === undefined ? {} : { base: options.base }),
        say: (line) => process.stdout.write(`[${stamp()}] ${line}\n`),
        warn: (line) => process.stderr.write(`${BIN}: ${line}\n`),
      });
      const stop = () => control.requestStop();
      const drain = () => control.requestDrain();
      process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGUSR1', drain);
      try {
        exitCode = await done;
      } finally {
        process.off('SIGTERM', stop).off('SIGINT', stop).off('SIGUSR1', drain);
      }
    });
  await program.parseAsync(argv);
  return exitCode;
}

void runCli(BIN, main);
