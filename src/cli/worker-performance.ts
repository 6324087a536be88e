import { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseDurationMs } from '../core/duration.js';
import { usageError } from '../core/errors.js';
import { describeValue } from '../core/worker-id.js';
import { parseWorkerRef, workerHost } from '../core/worker-ref.js';
import type { PerformanceContext } from '../performance/load.js';
import type { QueueState } from '../performance/report.js';
import { loadContext, printJson, printText, showLiveView, type CliContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'worker-performance';
const MONITOR_REFRESH_MS = 5000;
const MONITOR_RECENT = 10;
const MAX_TIMELINE_LIMIT = 100_000;

/** `--since`: a duration back from now (`24h`, `90m`, plain seconds) or an ISO-8601 time. */
function parseSince(raw: string, now: Date): Date {
  const ms = parseDurationMs(raw);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(at)) throw usageError(`Invalid --since ${describeValue(raw)}: use a duration such as 24h or 90m, or an ISO-8601 time.`);
  return new Date(at);
}

function parseLimit(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_TIMELINE_LIMIT) {
    throw usageError(`Invalid --limit ${describeValue(raw)}: use a whole number from 1 to ${MAX_TIMELINE_LIMIT}.`);
  }
  return Number(raw);
}

/** Queue depth from the configured backend; a backend that cannot answer leaves the queue "unavailable". */
async function readQueue(cli: CliContext): Promise<QueueState> {
  const [{ openQueueBackend }, { readQueueState }] = await Promise.all([
    import('../queue/open-backend.js'),
    import('../performance/queue-state.js'),
  ]);
  return readQueueState(
    async () =>
      (await openQueueBackend({ paths: cli.paths, settings: cli.settings, env: cli.env, now: cli.now, startDaemon: false })).backend,
  );
}

const performanceContext = (cli: CliContext): PerformanceContext => ({
  paths: cli.paths,
  settings: cli.settings,
  now: cli.now(),
  cores: availableParallelism(),
  queue: () => readQueue(cli),
  env: cli.env,
});

const commands = () => import('../performance/commands.js');

/** The dashboard's restart action: a request in the manager's state, which the running manager carries out (drained first). */
async function requestWorkerRestart(cli: CliContext, id: number): Promise<string> {
  const [{ managerContextFor, openPool }, { requestRestart, verifyPoolWorker }] = await Promise.all([
    import('../manager/pool.js'),
    import('../manager/pool-requests.js'),
  ]);
  const workerBin = fileURLToPath(new URL('../bin/hybrid-worker-enhanced.js', import.meta.url));
  const pool = openPool(managerContextFor(cli, { workerBin, cwd: process.cwd() }));
  await verifyPoolWorker(pool, id);
  await requestRestart(pool, id, false);
  return `Worker ${id} will be restarted by the manager once it has finished its task.`;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description('Reports, analysis, live monitor and exports of hybrid worker performance.')
    .exitOverride()
    .showSuggestionAfterError();

  program
    .command('report')
    .description('overall figures, queue depth and one row per worker')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const cli = await loadContext();
      const report = await (await commands()).buildReport(performanceContext(cli));
      if (options.json) {
        printJson(report);
        return;
      }
      const { renderReport } = await import('../performance/report-view.js');
      printText(renderReport(report, cli));
    });

  program
    .command('timeline')
    .description('finished tasks, newest first (the last 24 hours unless --since)')
    .option('--since <when>', 'a duration back from now (24h, 90m) or an ISO-8601 time')
    .option('--limit <n>', 'show at most this many tasks (default 50)')
    .option('--json', 'print one JSON document')
    .action(async (options: { since?: string; limit?: string; json?: boolean }) => {
      const cli = await loadContext();
      const context = performanceContext(cli);
      const request = {
        since: options.since === undefined ? undefined : parseSince(options.since, context.now),
        limit: options.limit === undefined ? undefined : parseLimit(options.limit),
      };
      const timeline = await (await commands()).buildTimelineFor(context, request);
      if (options.json) {
        printJson(timeline);
        return;
      }
      const { renderTimeline } = await import('../performance/timeline-view.js');
      printText(renderTimeline(timeline, cli));
    });

  program
    .command('analyze')
    .description('the report plus findings, recommendations and a scaling recommendation')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const cli = await loadContext();
      const analysis = await (await commands()).analyze(performanceContext(cli));
      if (options.json) {
        printJson(analysis);
        return;
      }
      const { renderAnalysis } = await import('../performance/analysis-view.js');
      printText(renderAnalysis(analysis, cli));
    });

  program
    .command('monitor')
    .description(`the report and recent completions, redrawn every ${MONITOR_REFRESH_MS / 1000} s; one frame when not a terminal`)
    .option('--once', 'print one frame and exit')
    .action(async (options: { once?: boolean }) => {
      const cli = await loadContext();
      const [{ buildMonitorFrame }, { renderMonitorFrame }] = await Promise.all([commands(), import('../performance/monitor-view.js')]);
      await showLiveView(cli, async () => renderMonitorFrame(await buildMonitorFrame(performanceContext(cli), MONITOR_RECENT), cli), {
        intervalMs: MONITOR_REFRESH_MS,
        ...(options.once === undefined ? {} : { once: options.once }),
      });
    });

  program
    .command('export')
    .description("write metrics as csv (the shell tool's columns), json or prom (Prometheus text); - is stdout")
    .argument('[file]', 'target file, or - for stdout', '-')
    .option('--format <format>', 'csv, json or prom (default: from the file extension, else csv)')
    .action(async (file: string, options: { format?: string }) => {
      const cli = await loadContext();
      // Quiet on success: cron mails whatever a job prints.
      await (
        await commands()
      ).exportReport(performanceContext(cli), {
        file,
        format: options.format,
        writeStdout: (text) => process.stdout.write(text),
      });
    });

  program
    .command('efficiency')
    .description("one worker's efficiency: succeeded tasks over finished tasks")
    .argument('<id>', "worker id, or host/id for another host's worker")
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      const cli = await loadContext();
      const worker = parseWorkerRef(id, workerHost(cli.settings));
      const row = await (await commands()).workerEfficiency(performanceContext(cli), worker);
      if (options.json) {
        printJson(row);
        return;
      }
      const { renderEfficiency } = await import('../performance/report-view.js');
      printText(renderEfficiency(row, cli));
    });

  program
    .command('serve')
    .description('a live web dashboard, /api/state, /events (SSE), /metrics (Prometheus) and /healthz')
    .option('--host <address>', 'address to listen on; anything but loopback needs WORKERS_DASHBOARD_TOKEN', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', '9464')
    .option('--allow-actions', 'let the page retry and kill tasks, resume the pool and restart workers (needs the token)')
    .action(async (options: { host: string; port: string; allowActions?: boolean }) => {
      if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65_535)
        throw usageError(`Invalid --port ${describeValue(options.port)}: use a whole number from 0 to 65535.`);
      const cli = await loadContext();
      const [{ serve }, { signalOnTermination }] = await Promise.all([import('../web/serve.js'), import('../core/live-view.js')]);
      await serve(
        cli,
        {
          host: options.host,
          port: Number(options.port),
          token: cli.env.WORKERS_DASHBOARD_TOKEN,
          restartWorker: options.allowActions ? (id) => requestWorkerRestart(cli, id) : null,
        },
        printText,
        signalOnTermination(),
      );
    });

  await program.parseAsync(argv);
  return 0;
}

void runCli(BIN, main);
