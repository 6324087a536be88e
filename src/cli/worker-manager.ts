import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { WorkersError, usageError } from '../core/errors.js';
import { parseLocalWorkerId, workerHost } from '../core/worker-ref.js';
import { loadContext, printJson, printText, type CliContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'worker-manager';
// This file is bundled to dist/worker-manager.cjs; the launchers live in bin/ beside dist/.
const launcherPath = (name: string) => fileURLToPath(new URL(`../bin/${name}.js`, import.meta.url));

const manager = () => import('../manager/commands.js');
const warn = (line: string) => process.stderr.write(`${BIN}: warning: ${line}\n`);

async function managerContext(context: CliContext) {
  const { managerContextFor } = await import('../manager/pool.js');
  return managerContextFor(context, { workerBin: launcherPath('hybrid-worker-enhanced'), cwd: process.cwd() });
}

const managerLaunch = (context: CliContext) => ({ managerBin: launcherPath(BIN), monitorSession: context.settings.MONITOR_SESSION });

async function runLoop(context: CliContext): Promise<void> {
  const { signalOnTermination } = await import('../core/live-view.js');
  return (await manager()).monitor(await managerContext(context), signalOnTermination());
}

function parseLineCount(raw: string): number {
  if (!/^\d{1,6}$/.test(raw)) throw usageError(`Invalid line count ${JSON.stringify(raw.slice(0, 40))}: use a whole number.`);
  return Number(raw);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description('Supervise, restart and scale the hybrid workers in tmux.')
    .exitOverride()
    .showSuggestionAfterError();

  program
    .command('start')
    .description('run the manager loop in the monitor session of its own tmux server (does nothing when it already runs)')
    .option('--foreground', 'run the loop in this terminal (for a service manager)')
    .action(async (options: { foreground?: boolean }) => {
      const context = await loadContext();
      if (options.foreground) return runLoop(context);
      await (await manager()).startManager(await managerContext(context), managerLaunch(context), printText);
    });

  program
    .command('ensure')
    .description('start whatever of the pool is not running: queue daemon, workers (the pool size last asked for), manager')
    .option('--foreground', 'then run the manager loop in this process (what the installed service runs)')
    .action(async (options: { foreground?: boolean }) => {
      const context = await loadContext();
      const { ensure } = await import('../manager/pool-lifecycle.js');
      await ensure(await managerContext(context), managerLaunch(context), { inForeground: options.foreground === true }, printText, warn);
      if (options.foreground) await runLoop(context);
    });

  program
    .command('shutdown')
    .description('stop the whole pool: manager, workers (each finishes its task first), their tmux session, a Pueue daemon it started')
    .option('--now', 'do not wait: stop the running tasks, which go back to the queue')
    .action(async (options: { now?: boolean }) => {
      const context = await loadContext();
      const { shutdown } = await import('../manager/pool-lifecycle.js');
      await shutdown(await managerContext(context), managerLaunch(context), options.now === true, printText, warn);
    });

  program
    .command('monitor')
    .description('the manager loop: restart dead, hung and missing workers (what start runs)')
    .action(async () => {
      await runLoop(await loadContext());
    });

  program
    .command('stop')
    .description('stop the manager; the workers keep running')
    .action(async () => {
      const context = await loadContext();
      await (await manager()).stop(await managerContext(context), context.settings.MONITOR_SESSION, printText);
    });

  program
    .command('status')
    .description('manager state, one row per worker, recent manager log lines')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await loadContext();
      const { githubModeReport } = await import('../github/pull-requests.js');
      const [snapshot, github] = await Promise.all([
        (async () => (await manager()).status(await managerContext(context)))(),
        githubModeReport(process.cwd(), context.env),
      ]);
      if (options.json) {
        printJson({ ...snapshot, github_mode: github.json });
        return;
      }
      const { renderStatus } = await import('../manager/status.js');
      printText(`${renderStatus(snapshot, context.colorLevel, context.columns)}\n${github.line}`);
    });

  program
    .command('restart')
    .description('restart one worker, or all one at a time; each is drained first unless --force')
    .argument('[id]', 'worker id (or this host/id)')
    .option('--force', 'restart at once; an in-flight task is picked up again by the new worker')
    .action(async (id: string | undefined, options: { force?: boolean }) => {
      const context = await loadContext();
      const workerId = id === undefined ? undefined : parseLocalWorkerId(id, workerHost(context.settings), 'worker-manager restart');
      await (await manager()).restart(await managerContext(context), workerId, options.force === true, printText);
    });

  program
    .command('scale')
    .description('grow or shrink the pool to N workers; shrinking drains the highest ids first')
    .argument('<n>', 'number of workers')
    .option('--force', 'when shrinking, requeue in-flight tasks instead of waiting for them')
    .action(async (n: string, options: { force?: boolean }) => {
      const { parsePoolSize } = await import('../manager/pool-requests.js');
      const count = parsePoolSize(n);
      const context = await loadContext();
      await (await manager()).scale(await managerContext(context), count, options.force === true, printText, warn);
    });

  program
    .command('health')
    .description('the health dashboard (one frame when stdout is not a terminal)')
    .option('--once', 'print one frame and exit')
    .option('--json', 'print the data behind the dashboard as JSON')
    .action(async (options: { once?: boolean; json?: boolean }) => {
      const { showHealthDashboard } = await import('./health-dashboard.js');
      await showHealthDashboard(await loadContext(), options);
    });

  program
    .command('logs')
    .description('follow manager.log')
    .option('--lines <n>', 'lines of history to show first', '20')
    .option('--no-follow', 'print the last lines and exit')
    .action(async (options: { lines: string; follow: boolean }) => {
      const lines = parseLineCount(options.lines);
      const context = await loadContext();
      const { followLog } = await import('../manager/follow-log.js');
      const { signalOnTermination } = await import('../core/live-view.js');
      await followLog(context.paths.managerLog, {
        lines,
        follow: options.follow,
        write: (text) => process.stdout.write(text),
        signal: signalOnTermination(),
      });
    });

  program
    .command('resume')
    .description(
      "lift the pool-wide pause after a usage limit now, instead of at the reset time; with --budget, raise today's budget (or a parent's) instead",
    )
    .option('--budget <usd>', "today's budget in US dollars from now on (today only: a new day starts from BUDGET_DAILY_USD)")
    .option('--parent <n>', 'with --budget: the budget of this parent issue instead of today')
    .action(async (options: { budget?: string; parent?: string }) => {
      const commands = await manager();
      if (options.parent !== undefined && options.budget === undefined) throw usageError('--parent goes with --budget USD.');
      if (options.parent !== undefined && !/^#?\d{1,9}$/.test(options.parent))
        throw usageError(`--parent takes a parent issue number such as 123, not ${JSON.stringify(options.parent.slice(0, 40))}.`);
      const usd = options.budget === undefined ? undefined : commands.parseBudgetUsd(options.budget);
      const context = await loadContext();
      if (usd === undefined) await commands.resume(await managerContext(context), printText);
      else
        await commands.raiseBudget(
          await managerContext(context),
          { usd, ...(options.parent === undefined ? {} : { parent: options.parent.replace(/^#/, '') }) },
          printText,
        );
    });

  program
    .command('notify-test')
    .description('send a test notification to every configured sink and report each')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await loadContext();
      const reports = await (await import('../notify/notify-test.js')).notifyTest(context);
      if (options.json) printJson(reports);
      else for (const report of reports) printText(`${report.sink}: ${report.ok ? 'delivered' : `failed (${report.reason})`}`);
      const failed = reports.filter((report) => !report.ok).length;
      if (failed > 0)
        throw new WorkersError('tool', `${failed} of ${reports.length} notification sink${reports.length > 1 ? 's' : ''} failed.`);
    });

  await program.parseAsync(argv);
}

void runCli(BIN, main);
