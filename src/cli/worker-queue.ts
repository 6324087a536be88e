import { join } from 'node:path';
import { Command } from 'commander';
import { usageError } from '../core/errors.js';
import type { QueueBackend } from '../queue/backend.js';
import { MAX_PRIORITY, MIN_PRIORITY, parsePriority, validateTaskSpec } from '../queue/task-rules.js';
import { loadContext, printJson, printText, showLiveView, type CliContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'worker-queue';
const MONITOR_REFRESH_MS = 2000;
const DEFAULT_CLEAN_DAYS = 7;
/** As long as a worker gives an agent it stops itself. */
const KILL_GRACE_MS = 5000;

function parseTaskId(raw: string): string {
  if (!/^\d{1,18}$/.test(raw)) throw usageError(`The task id ${JSON.stringify(raw.slice(0, 40))} is not a number; see worker-queue list.`);
  return String(Number(raw));
}

function parseDays(raw: string): number {
  if (!/^\d{1,5}$/.test(raw)) throw usageError(`DAYS must be a whole number of days (0 or more), not ${JSON.stringify(raw.slice(0, 40))}.`);
  return Number(raw);
}

let verbose = false;

/** Opens the configured backend; with --verbose says on stderr which one it is and why. */
async function openBackend(context: CliContext): Promise<QueueBackend> {
  const { openQueueBackend } = await import('../queue/open-backend.js');
  const { backend, notice } = await openQueueBackend({ paths: context.paths, settings: context.settings, env: context.env, now: context.now });
  if (verbose) process.stderr.write(`${notice}\n`);
  return backend;
}

/** A task added while no worker runs would wait silently. */
async function warnWithoutWorkers(context: CliContext): Promise<void> {
  const { isAnyWorkerRunning } = await import('../pool/worker-presence.js');
  if (!(await isAnyWorkerRunning(context))) {
    process.stderr.write(`${BIN}: warning: no worker is running; start the pool with setup-hybrid-enhanced N.\n`);
  }
}

const commands = () => import('../queue/queue-commands.js');

async function main(argv: string[]): Promise<void> {
  const program = new Command(BIN).version(PACKAGE_VERSION)
    .description(`Add, list, monitor, clean, retry and remove queued sub-issues. Priority ${MIN_PRIORITY} is the most urgent, ${MAX_PRIORITY} the least.`)
    .option('--verbose', 'also say on stderr which queue backend is used and why')
    .exitOverride()
    .showSuggestionAfterError()
    .hook('preAction', () => {
      verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    });

  program
    .command('add')
    .description(`queue a sub-issue; PRIORITY ${MIN_PRIORITY} (most urgent) to ${MAX_PRIORITY}`)
    .argument('<priority>', `${MIN_PRIORITY}-${MAX_PRIORITY}, 1 is the most urgent`)
    .argument('<parent>', 'parent issue number')
    .argument('<subissue>', 'sub-issue number')
    .option('--force', 'add even if the sub-issue is already queued or claimed')
    .option('--json', 'print the new task as JSON')
    .action(async (priority: string, parent: string, subissue: string, options: { force?: boolean; json?: boolean }) => {
      const spec = validateTaskSpec({ priority: parsePriority(priority), parent, subissue });
      const context = await loadContext();
      const task = await (await openBackend(context)).add(spec, { force: options.force === true });
      if (options.json) printJson((await import('../queue/queue-views.js')).taskJson(task));
      else printText(`Queued task ${task.id}: sub-issue ${task.subissue} of #${task.parent}, priority ${task.priority}.`);
      await warnWithoutWorkers(context);
    });

  program
    .command('list')
    .description('show every task')
    .option('--json', 'print the queue as JSON')
    .action(async (options: { json?: boolean }) => {
      const context = await loadContext();
      const snapshot = await (await commands()).snapshotQueue(await openBackend(context), context.now());
      const { renderDepthLine, renderQueueTable, snapshotJson } = await import('../queue/queue-views.js');
      if (options.json) {
        printJson(snapshotJson(snapshot));
        return;
      }
      printText(`${renderQueueTable(snapshot, context.colorLevel, context.columns)}\n${renderDepthLine(snapshot)}`);
    });

  program
    .command('monitor')
    .description('live queue view (one frame when stdout is not a terminal)')
    .option('--once', 'print one frame and exit')
    .action(async (options: { once?: boolean }) => {
      const context = await loadContext();
      const backend = await openBackend(context);
      const [{ snapshotQueue }, { renderMonitorFrame }] = await Promise.all([commands(), import('../queue/queue-views.js')]);
      await showLiveView(context, async () => renderMonitorFrame(await snapshotQueue(backend, context.now()), context.colorLevel, context.columns), {
        intervalMs: MONITOR_REFRESH_MS,
        ...(options.once === undefined ? {} : { once: options.once }),
      });
    });

  program
    .command('clean')
    .description(`remove finished tasks older than DAYS (default ${DEFAULT_CLEAN_DAYS})`)
    .argument('[days]', 'age in days', String(DEFAULT_CLEAN_DAYS))
    .action(async (days: string) => {
      const age = parseDays(days);
      const removed = await (await openBackend(await loadContext())).clean(age);
      printText(`Removed ${removed} finished task${removed === 1 ? '' : 's'} older than ${age} day${age === 1 ? '' : 's'}.`);
    });

  program
    .command('retry')
    .description('put a done, failed or review task back in the queue with a fresh attempt budget')
    .argument('<id>', 'task id')
    .option('--force', 'also return a claimed task whose worker is gone (its attempts stay counted)')
    .action(async (raw: string, options: { force?: boolean }) => {
      const id = parseTaskId(raw);
      const context = await loadContext();
      const force = options.force === true ? { paths: context.paths, lockStaleMs: context.settings.LOCK_STALE_TIMEOUT } : undefined;
      const task = await (await commands()).retryTask(await openBackend(context), id, force);
      printText(`Task ${task.id} (sub-issue ${task.subissue}) is queued again.`);
    });

  program
    .command('kill')
    .description("stop a task's run now (its whole process group); the task ends failed and is not retried")
    .argument('<id>', 'task id')
    .action(async (raw: string) => {
      const id = parseTaskId(raw);
      const task = await (await commands()).killTask(await openBackend(await loadContext()), id, KILL_GRACE_MS);
      const worker = task.workerId === null ? 'its worker' : `worker ${task.workerId}`;
      printText(`Killed the run of task ${id} (sub-issue ${task.subissue}); ${worker} records it as failed (killed by the user) and goes on with the next task.`);
    });

  program
    .command('remove')
    .description('delete a task that has no run in progress')
    .argument('<id>', 'task id')
    .action(async (raw: string) => {
      const id = parseTaskId(raw);
      await (await openBackend(await loadContext())).remove(id);
      printText(`Task ${id} removed.`);
    });

  program
    .command('migrate')
    .description('WORKER_BACKEND=postgres: create or upgrade the schema of WORKERS_DATABASE_URL (safe on several hosts at once)')
    .action(async () => {
      const context = await loadContext();
      const { migrateDatabase, describeMigration } = await import('../queue/postgres-open.js');
      printText(describeMigration(await migrateDatabase(context.env)));
    });

  program
    .command('import')
    .description("import the shell tool's queue.txt (PRIORITY|PARENT|SUBISSUE|STATUS|WORKER|CREATED lines); all or nothing")
    .argument('[file]', 'queue.txt to read (default: queue.txt in the data root)')
    .action(async (file: string | undefined) => {
      const context = await loadContext();
      const source = file ?? join(context.paths.root, 'queue.txt');
      const { importPlan, planQueueTxtFile } = await commands();
      const plan = await planQueueTxtFile(source);
      const result = await importPlan(await openBackend(context), plan);
      const notes = [
        result.skippedFinished > 0 ? `${result.skippedFinished} finished line(s) skipped` : '',
        result.skippedActive.length > 0 ? `already queued: ${result.skippedActive.join(', ')}` : '',
      ].filter(Boolean);
      printText(`Imported ${result.imported.length} task(s) from ${source}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.`);
    });

  await program.parseAsync(argv);
}

void runCli(BIN, main);
