import { Command } from 'commander';
import { usageError } from '../core/errors.js';
import { REPORTED_STATUSES } from '../health/metrics-schema.js';
import { parseLocalWorkerId, parseWorkerRef, workerHost } from '../core/worker-ref.js';
import { loadContext, printJson, printText, type CliContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'worker-health-monitor';
/** check answers "unknown" (3) for an invalid id too: monitoring plugins read exit codes. */
const CHECK_UNKNOWN = 3;

function parseStatus(raw: string) {
  const status = REPORTED_STATUSES.find((known) => known === raw);
  if (!status) throw usageError(`Unknown status ${JSON.stringify(raw.slice(0, 40))}: use one of ${REPORTED_STATUSES.join(', ')}.`);
  return status;
}

function parseTask(raw: string): string {
  if (!/^[A-Za-z0-9_.#/-]{1,128}$/.test(raw)) {
    throw usageError(`Invalid task ${JSON.stringify(raw.slice(0, 40))}: use up to 128 letters, digits, _ . # / -, or none.`);
  }
  return raw;
}

function parseSuccess(raw: string): boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw usageError(`The result must be true or false, not ${JSON.stringify(raw.slice(0, 40))}.`);
}

function parseReportFormat(raw: string | undefined, json: boolean): 'json' | 'text' {
  if (raw !== undefined && raw !== 'json' && raw !== 'text') {
    throw usageError(`Unknown report format ${JSON.stringify(raw.slice(0, 40))}: use json or text.`);
  }
  return json || raw === 'json' ? 'json' : 'text';
}

const health = () => import('../manager/health-commands.js');
const localWorker = (id: string, context: CliContext, command: string) =>
  parseLocalWorkerId(id, workerHost(context.settings), `worker-health-monitor ${command}`);

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description('Heartbeats, health states, alerts, dashboard and report for hybrid workers.')
    .exitOverride()
    .showSuggestionAfterError();

  program
    .command('heartbeat')
    .description(`record a heartbeat; STATUS is one of ${REPORTED_STATUSES.join(', ')}`)
    .argument('<id>', 'worker id')
    .argument('[status]', 'reported status', 'idle')
    .argument('[task]', 'current task, or none', 'none')
    .action(async (id: string, status: string, task: string) => {
      const context = await loadContext();
      const input = { workerId: localWorker(id, context, 'heartbeat'), status: parseStatus(status), task: parseTask(task) };
      await (await health()).recordHeartbeat(context, input.workerId, { status: input.status, task: input.task });
    });

  program
    .command('check')
    .description('print the health state; exit 0 ok, 1 warning, 2 critical, 3 unknown')
    .argument('<id>', "worker id, or host/id for another host's worker")
    .action(async (id: string) => {
      const context = await loadContext();
      let worker;
      try {
        worker = parseWorkerRef(id, workerHost(context.settings), CHECK_UNKNOWN);
      } catch (error) {
        printText('unknown');
        throw error;
      }
      const result = await (await health()).checkWorker(context, worker);
      printText(result.state);
      exitCode = result.exitCode;
    });

  program
    .command('metrics')
    .description("print one worker's record as JSON")
    .argument('<id>', "worker id, or host/id for another host's worker")
    .action(async (id: string) => {
      const context = await loadContext();
      printJson(await (await health()).getWorkerRecord(context, parseWorkerRef(id, workerHost(context.settings))));
    });

  program
    .command('complete')
    .description('count a finished task for a worker')
    .argument('<id>', 'worker id')
    .argument('<result>', 'true for success, false for failure')
    .action(async (id: string, result: string) => {
      const context = await loadContext();
      const input = { workerId: localWorker(id, context, 'complete'), success: parseSuccess(result) };
      await (await health()).recordCompletion(context, input.workerId, input.success);
    });

  program
    .command('restart')
    .description('count a restart of a worker')
    .argument('<id>', 'worker id')
    .action(async (id: string) => {
      const context = await loadContext();
      await (await health()).recordRestart(context, localWorker(id, context, 'restart'));
    });

  program
    .command('monitor')
    .description('log ALERTs when workers turn dead or unresponsive, every HEALTH_CHECK_INTERVAL')
    .option('--once', 'run one check cycle and exit')
    .action(async (options: { once?: boolean }) => {
      const { signalOnTermination } = await import('../core/live-view.js');
      await (await health()).monitorHealth(await loadContext(), { once: options.once === true, signal: signalOnTermination() });
    });

  program
    .command('dashboard')
    .description('live health dashboard (one frame when stdout is not a terminal)')
    .option('--once', 'print one frame and exit')
    .option('--json', 'print the data behind the dashboard as JSON and exit')
    .action(async (options: { once?: boolean; json?: boolean }) => {
      const { showHealthDashboard } = await import('./health-dashboard.js');
      await showHealthDashboard(await loadContext(), options);
    });

  program
    .command('report')
    .description('health report')
    .argument('[format]', 'json or text', undefined)
    .option('--json', 'print JSON')
    .action(async (format: string | undefined, options: { json?: boolean }) => {
      const chosen = parseReportFormat(format, options.json === true);
      const context = await loadContext();
      const report = await (await health()).buildReport(context);
      if (chosen === 'json') {
        printJson(report);
        return;
      }
      const { renderHealthReport } = await import('../health/views.js');
      printText(renderHealthReport(report, { colorLevel: context.colorLevel, columns: context.columns }));
    });

  program
    .command('reset')
    .description('clear all worker records and counters; the old metrics are kept in a backup file')
    .action(async () => {
      const backup = await (await health()).resetMetrics(await loadContext());
      printText(`Metrics reset; the previous metrics are kept in ${backup}.`);
    });

  await program.parseAsync(argv);
  return exitCode;
}

void runCli(BIN, main);
