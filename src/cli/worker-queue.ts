import { existsSync } from 'node:fs';
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
/** How often `logs --follow` looks for new output: a person watching, not a machine. */
const LOGS_FOLLOW_POLL_MS = 300;

/** The repository of the current directory, as tasks record it (src/adapters/github/repository-name.ts). */
async function currentRepository(context: CliContext): Promise<string> {
  const { repositoryIdentity } = await import('../adapters/github/repository-name.js');
  return repositoryIdentity({ cwd: process.cwd(), env: context.env });
}

const REF_HELP = 'the sub-issue: 201, "#201" or owner/name#201 (a queue id as id:12)';

function parseDays(raw: string): number {
  if (!/^\d{1,5}$/.test(raw)) throw usageError(`DAYS must be a whole number of days (0 or more), not ${JSON.stringify(raw.slice(0, 40))}.`);
  return Number(raw);
}

let verbose = false;

/** Where the opened backend keeps its files, and whether the set-aside warning was said already. */
let opened: { queueDir: string; warned: boolean } | undefined;

/** Opens the configured backend; with --verbose says on stderr which one it is and why. */
async function openBackend(context: CliContext): Promise<QueueBackend> {
  const { openQueueBackend } = await import('../queue/open-backend.js');
  const { backend, notice, warning } = await openQueueBackend({
    paths: context.paths,
    settings: context.settings,
    env: context.env,
    now: context.now,
  });
  if (verbose) process.stderr.write(`${notice}\n`);
  if (warning) process.stderr.write(`${BIN}: ${warning}\n`);
  opened = { queueDir: context.paths.queueDir, warned: warning !== undefined };
  return backend;
}

/** A queue this command found damaged and salvaged is warned about at once, not from the next command on. */
async function warnIfSetAsideNow(): Promise<void> {
  if (opened === undefined || opened.warned) return;
  const { setAsideWarning } = await import('../queue/backends/embedded/embedded-salvage.js');
  const warning = setAsideWarning(opened.queueDir);
  if (warning) process.stderr.write(`${BIN}: ${warning}\n`);
}

/** A task added while no worker runs, or none of its repository, would wait silently. */
async function warnWithoutWorkers(context: CliContext, repo?: string): Promise<void> {
  const { isAnyWorkerRunning } = await import('../manager/worker-presence.js');
  if (!(await isAnyWorkerRunning(context))) {
    process.stderr.write(`${BIN}: warning: no worker is running; start the pool with setup-hybrid-enhanced N.\n`);
    return;
  }
  if (repo === undefined) return;
  const { runningWorkerRepositories } = await import('../health/worker-pid-file.js');
  const worked = await runningWorkerRepositories(context.paths, context.settings.LOCK_STALE_TIMEOUT);
  if (worked.size > 0 && !worked.has(repo)) {
    process.stderr.write(
      `${BIN}: warning: no pool works ${repo} (the running workers work ${[...worked].sort().join(', ')}); the task waits until one is started in ${repo} with setup-hybrid-enhanced N.\n`,
    );
  }
}

const commands = () => import('../queue/queue-commands.js');

async function main(argv: string[]): Promise<void> {
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description(
      `Add, list, monitor, clean, retry and remove queued sub-issues. Priority ${MIN_PRIORITY} is the most urgent, ${MAX_PRIORITY} the least.`,
    )
    .option('--verbose', 'also say on stderr which queue backend is used and why')
    .exitOverride()
    .showSuggestionAfterError()
    .hook('preAction', () => {
      verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    })
    .hook('postAction', warnIfSetAsideNow);

  program
    .command('add')
    .description(`queue a sub-issue; PRIORITY ${MIN_PRIORITY} (most urgent) to ${MAX_PRIORITY}`)
    .argument('<priority>', `${MIN_PRIORITY}-${MAX_PRIORITY}, 1 is the most urgent`)
    .argument('<parent>', 'parent issue number (123 or #123)')
    .argument('<subissue>', 'sub-issue number (456 or #456)')
    .option('--force', 'add even if the sub-issue is already queued or claimed')
    .option('--after <issues>', 'start only after these sub-issues of this repository are done: 201,202')
    .option('--json', 'print the new task as JSON')
    .action(async (priority: string, parent: string, subissue: string, options: { force?: boolean; json?: boolean; after?: string }) => {
      const { issueNumberArgument } = await import('../github/intake.js');
      const fields = { priority: parsePriority(priority), parent: issueNumberArgument(parent), subissue: issueNumberArgument(subissue) };
      const { parseAfterOption, afterBlockers } = await import('../queue/task-ref.js');
      const after = options.after === undefined ? undefined : parseAfterOption(options.after);
      validateTaskSpec({ ...fields, ...(after === undefined ? {} : { blockedBy: after.map((ref) => ref.subissue) }) });
      const context = await loadContext();
      const repo = await currentRepository(context);
      const spec = validateTaskSpec({ ...fields, repo, ...(after === undefined ? {} : { blockedBy: afterBlockers(after, repo) }) });
      const task = await (await openBackend(context)).add(spec, { force: options.force === true });
      const [{ taskLabel }, { blockedByText }] = await Promise.all([import('../queue/task-ref.js'), import('../queue/task-rules.js')]);
      if (options.json) printJson((await import('../queue/queue-views.js')).taskJson(task));
      else
        printText(
          `Queued ${taskLabel(task)}: sub-issue of #${task.parent}, priority ${task.priority}${task.blockedBy ? `, ${blockedByText(task)}` : ''}.`,
        );
      const { closedIssueWarning } = await import('../github/github-commands.js');
      const closed = await closedIssueWarning(
        { cwd: process.cwd(), env: context.env, notice: () => undefined, maxRateWaitMs: context.settings.GITHUB_MAX_WAIT },
        task.subissue,
        task.subissue,
      );
      if (closed) process.stderr.write(`${BIN}: warning: ${closed}\n`);
      await warnWithoutWorkers(context, spec.repo);
    });

  program
    .command('add-issues')
    .description('queue the open sub-issues of parent issues from GitHub (a parent without sub-issues is queued itself); idempotent')
    .argument('<issues...>', 'parent issue numbers: 123,124 or #123 #124')
    .option('--priority <priority>', 'critical, high, normal, low or 1-99 (default: from the labels, else normal)')
    .option('--repo <owner/name>', 'the GitHub repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .option('--dry-run', 'show what would be queued; queue nothing')
    .option('--json', 'print what was added and skipped as JSON')
    .action(async (issues: string[], options: { priority?: string; repo?: string; dryRun?: boolean; json?: boolean }) => {
      const context = await loadContext();
      const { runAddIssues } = await import('../github/github-commands.js');
      const notice = (line: string) => process.stderr.write(`${line}\n`);
      const { result, text } = await runAddIssues(
        {
          cwd: process.cwd(),
          env: context.env,
          openBackend: () => openBackend(context),
          notice,
          maxRateWaitMs: context.settings.GITHUB_MAX_WAIT,
        },
        issues,
        options,
      );
      if (options.json) printJson(result);
      else printText(text);
    });

  program
    .command('plan')
    .description('ask Claude Code (read-only) to split a parent issue into sub-issues; create them on GitHub and queue them')
    .argument('<parent>', 'the parent issue number')
    .option('--max <n>', 'at most this many sub-issues (2-5, default 5)')
    .option('--yes', 'create them without asking (needed without a terminal)')
    .option('--repo <owner/name>', 'the GitHub repository (default: GITHUB_REPOSITORY, else the origin remote)')
    .action(async (parent: string, options: { max?: string; yes?: boolean; repo?: string }) => {
      const context = await loadContext();
      const [{ runPlan }, { isClaudeCommand }, { splitWords }, { askYesNo }] = await Promise.all([
        import('../github/github-commands.js'),
        import('../worker/select-agent.js'),
        import('../core/split-words.js'),
        import('./ask-yes-no.js'),
      ]);
      const command = context.settings.WORKER_AGENT_CMD;
      await runPlan(
        {
          cwd: process.cwd(),
          env: context.env,
          openBackend: () => openBackend(context),
          notice: (line) => process.stderr.write(`${line}\n`),
          maxRateWaitMs: context.settings.GITHUB_MAX_WAIT,
          claudeProgram: isClaudeCommand(command) ? splitWords(command)[0]! : 'claude',
          confirm: context.stdinIsTty && context.stdoutIsTty ? askYesNo : undefined,
          print: printText,
        },
        parent,
        options,
      );
    });

  program
    .command('status')
    .description(
      'progress per parent issue: queued, running, done (with pull requests and what each waits for: checks, review, merge), review, failed; and the whole pool',
    )
    .argument('[parents...]', "parent issue numbers (default: every parent of the current repository's tasks)")
    .option('--all', 'every repository, each parent with its repository')
    .option('--json', 'print the progress as JSON')
    .action(async (parents: string[], options: { json?: boolean; all?: boolean }) => {
      const context = await loadContext();
      const [{ runStatus }, { openFleetStores }, { readDispatchHolds }] = await Promise.all([
        import('../github/github-commands.js'),
        import('../health/open-stores.js'),
        import('../github/dispatch-holds.js'),
      ]);
      const { history } = openFleetStores(context);
      const holds = () => readDispatchHolds({ ...context, env: context.env, history, now: () => context.now() });
      const repo = options.all ? undefined : await currentRepository(context);
      const { status, text } = await runStatus(
        () => openBackend(context),
        history,
        parents,
        context.now(),
        context.paths.root,
        holds,
        repo,
        process.cwd(),
      );
      if (options.json) printJson(status);
      else printText(text);
    });

  program
    .command('list')
    .description("show the current repository's tasks (and those of unknown repository)")
    .option('--all', 'every repository, with a Repository column')
    .option('--json', 'print the queue as JSON')
    .action(async (options: { all?: boolean; json?: boolean }) => {
      const context = await loadContext();
      const whole = await (await commands()).snapshotQueue(await openBackend(context), context.now());
      const { renderDepthLine, renderQueueTable, snapshotJson, forRepository } = await import('../queue/queue-views.js');
      const scoped = options.all ? whole : forRepository(whole, await currentRepository(context));
      const [{ readTaskPulls }, { openFleetStores }] = await Promise.all([
        import('../github/task-pulls.js'),
        import('../health/open-stores.js'),
      ]);
      // The queue is listed even when the history cannot be read: the pull requests are then left out.
      const pulls = await readTaskPulls(context.paths.root, openFleetStores(context).history, scoped.tasks).catch(() => undefined);
      const snapshot = pulls === undefined ? scoped : { ...scoped, pulls };
      if (options.json) {
        printJson(snapshotJson(snapshot));
        return;
      }
      printText(`${renderQueueTable(snapshot, context.colorLevel, context.columns)}\n${renderDepthLine(snapshot)}`);
      // A hint, on stderr: the table stays what scripts read.
      const note = (await import('../queue/queue-views.js')).unknownRepositoryNote(snapshot);
      if (note) process.stderr.write(`${BIN}: ${note}\n`);
    });

  program
    .command('monitor')
    .description("live view of the current repository's tasks (one frame when stdout is not a terminal)")
    .option('--once', 'print one frame and exit')
    .option('--all', 'every repository, with a Repository column')
    .action(async (options: { once?: boolean; all?: boolean }) => {
      const context = await loadContext();
      const backend = await openBackend(context);
      const repo = options.all ? undefined : await currentRepository(context);
      const [{ snapshotQueue }, { renderMonitorFrame, forRepository }] = await Promise.all([commands(), import('../queue/queue-views.js')]);
      await showLiveView(
        context,
        async () => {
          const whole = await snapshotQueue(backend, context.now());
          return renderMonitorFrame(repo === undefined ? whole : forRepository(whole, repo), context.colorLevel, context.columns);
        },
        {
          intervalMs: MONITOR_REFRESH_MS,
          ...(options.once === undefined ? {} : { once: options.once }),
        },
      );
    });

  program
    .command('clean')
    .description(
      `remove finished tasks older than DAYS (default ${DEFAULT_CLEAN_DAYS}); a task whose pull request is still open stays (worker-queue release lets it go)`,
    )
    .argument('[days]', 'age in days', String(DEFAULT_CLEAN_DAYS))
    .action(async (days: string) => {
      const age = parseDays(days);
      const context = await loadContext();
      const backend = await openBackend(context);
      const [{ tasksWithOpenPulls, keptText }, { openPullWatchStore }, { cleanTasks }] = await Promise.all([
        import('../github/task-pulls.js'),
        import('../github/pull-request-watcher.js'),
        commands(),
      ]);
      const kept = tasksWithOpenPulls(await backend.list(), await openPullWatchStore(context.paths).read());
      const removed = await cleanTasks(backend, age, kept, context.now());
      const { removeOldRunFiles } = await import('../queue/runs/run-files-gc.js');
      const keep = context.settings.RUNS_KEEP_DAYS;
      const files = await removeOldRunFiles(context.paths, await backend.list(), keep, context.now());
      printText(
        `Removed ${removed} finished task${removed === 1 ? '' : 's'} older than ${age} day${age === 1 ? '' : 's'}, and ${files} run file${files === 1 ? '' : 's'} older than RUNS_KEEP_DAYS (${keep}).${keptText(kept)}`,
      );
    });

  program
    .command('release')
    .description("stop the pool acting on tasks' open pull requests: no follow-up, no merge, the watcher stops following them")
    .argument('<refs...>', REF_HELP)
    .action(async (refs: string[]) => {
      const [{ resolveTask }, { taskName, parseTaskRef }, { releasePull, releasablePull, dropFollowUps }, { openPullWatchStore }] =
        await Promise.all([
          commands(),
          import('../queue/task-ref.js'),
          import('../github/task-pulls.js'),
          import('../github/pull-request-watcher.js'),
        ]);
      const parsed = refs.map((ref) => parseTaskRef(ref));
      const context = await loadContext();
      const backend = await openBackend(context);
      const repo = await currentRepository(context);
      // Every reference is resolved and checked before any pull request is released: a wrong one changes nothing.
      const tasks = await Promise.all(parsed.map((ref) => resolveTask(backend, ref, repo)));
      const store = openPullWatchStore(context.paths);
      const watched = await store.read();
      for (const task of tasks) releasablePull(watched, task);
      for (const task of tasks) {
        const pull = await releasePull(store, task, context.now());
        const followUps = await dropFollowUps(backend, task);
        printText(
          `Released pull request #${pull.pr_number} of ${taskName(task)}: the pool no longer acts on it (no follow-up, no merge), and clean may remove the task.${followUps}`,
        );
      }
    });

  program
    .command('gc')
    .description('remove the worktrees of finished tasks left under .worktrees; say for each worktree why it went or stays')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .option('--json', 'print the worktrees as JSON')
    .option('--repo <dir>', 'the git repository (default: the one holding the current directory)')
    .option('--base <branch>', "the branch task branches merge into (default: the repository's current branch)")
    .action(async (options: { dryRun?: boolean; json?: boolean; repo?: string; base?: string }) => {
      const context = await loadContext();
      const [{ verifyRepo, getCurrentBranch }, { collectWorktrees }] = await Promise.all([
        import('../adapters/git.js'),
        import('../worker/worktree-gc.js'),
      ]);
      const repo = await verifyRepo(options.repo ?? process.cwd());
      const baseBranch = options.base ?? (await getCurrentBranch(repo));
      const backend = await openBackend(context);
      const entries = await collectWorktrees({
        repo,
        baseBranch,
        readTasks: () => backend.list(),
        dryRun: options.dryRun === true,
        lockStaleMs: context.settings.LOCK_STALE_TIMEOUT,
      });
      if (options.json) printJson({ repo, dry_run: options.dryRun === true, worktrees: entries });
      else
        printText(
          entries.length === 0
            ? `No worktrees under ${join(repo, '.worktrees')}.`
            : entries.map((entry) => `${entry.action.replace('_', ' ')}: ${entry.path} (${entry.reason})`).join('\n'),
        );
    });

  program
    .command('retry')
    .description('put done, failed, review or cancelled tasks back in the queue with a fresh attempt budget')
    .argument('[refs...]', REF_HELP)
    .option('--failed', 'every failed task of the current repository (with --all: of every repository)')
    .option('--parent <n>', 'with --failed: only the sub-issues of this parent issue')
    .option('--all', 'with --failed: of every repository')
    .option('--force', 'also return a claimed task whose worker is gone (its attempts stay counted)')
    .action(async (refs: string[], options: { failed?: boolean; parent?: string; all?: boolean; force?: boolean }) => {
      if ((refs.length === 0) === (options.failed !== true))
        throw usageError('Give the tasks to retry (201, "#201", owner/name#201 or id:12), or --failed; not both.');
      if (options.parent !== undefined && options.failed !== true) throw usageError('--parent goes with --failed.');
      const [{ issueNumberArgument }, { parseTaskRef }] = await Promise.all([
        import('../github/intake.js'),
        import('../queue/task-ref.js'),
      ]);
      const parent = options.parent === undefined ? undefined : issueNumberArgument(options.parent);
      const parsed = refs.map((raw) => parseTaskRef(raw));
      const context = await loadContext();
      const force = options.force === true ? { paths: context.paths, lockStaleMs: context.settings.LOCK_STALE_TIMEOUT } : undefined;
      const [{ resolveTask, retryTask, failedTasks }, { taskLabel }] = await Promise.all([commands(), import('../queue/task-ref.js')]);
      const backend = await openBackend(context);
      const repo = await currentRepository(context);
      // Every reference is resolved before any task moves: a mistyped one changes nothing.
      const tasks = options.failed
        ? failedTasks(await backend.list(), options.all ? undefined : repo, parent)
        : await Promise.all(parsed.map((ref) => resolveTask(backend, ref, repo)));
      if (tasks.length === 0) {
        printText(`No failed task${parent === undefined ? '' : ` of parent #${parent}`} to retry.`);
        return;
      }
      for (const task of tasks) {
        await retryTask(backend, task, force);
        printText(`${taskLabel(task)} is queued again.`);
      }
    });

  program
    .command('kill')
    .description("stop a task's run now (its whole process group); the task ends cancelled and is not retried")
    .argument('<ref>', REF_HELP)
    .action(async (raw: string) => {
      const [{ resolveTask, killTask }, { taskLabel, parseTaskRef }] = await Promise.all([commands(), import('../queue/task-ref.js')]);
      const ref = parseTaskRef(raw);
      const context = await loadContext();
      const backend = await openBackend(context);
      const task = await killTask(backend, await resolveTask(backend, ref, await currentRepository(context)), KILL_GRACE_MS);
      const worker = task.workerId === null ? 'its worker' : `worker ${task.workerId}`;
      if (task.host !== undefined && task.host !== backend.host) {
        printText(
          `Asked host ${task.host} to kill the run of ${taskLabel(task)}; its manager stops it at its next check, then ${worker} there records it as cancelled (killed by the user).`,
        );
        return;
      }
      printText(
        `Killed the run of ${taskLabel(task)}; ${worker} records it as cancelled (killed by the user) and goes on with the next task.`,
      );
    });

  program
    .command('remove')
    .description('delete a task that has no run in progress')
    .argument('<ref>', REF_HELP)
    .action(async (raw: string) => {
      const [{ resolveTask, removeTask }, { taskLabel, parseTaskRef }] = await Promise.all([commands(), import('../queue/task-ref.js')]);
      const ref = parseTaskRef(raw);
      const context = await loadContext();
      const backend = await openBackend(context);
      const task = await removeTask(backend, await resolveTask(backend, ref, await currentRepository(context)));
      printText(`${taskLabel(task)} removed.`);
    });

  program
    .command('logs')
    .description("show a task's latest attempt as readable text (Claude's stream rendered; a command agent's output as is)")
    .argument('<ref>', `${REF_HELP}; @2 for its second attempt`)
    .option('--follow', 'keep printing while the attempt runs; end when it ends')
    .option('--raw', 'print the output file unchanged')
    .action(async (raw: string, options: { follow?: boolean; raw?: boolean }) => {
      const [{ resolveTask }, { parseTaskRef }, { locateTaskLog, printTaskLog }] = await Promise.all([
        commands(),
        import('../queue/task-ref.js'),
        import('../worker/task-logs.js'),
      ]);
      const ref = parseTaskRef(raw, { attempts: true });
      const context = await loadContext();
      const backend = await openBackend(context);
      const task = await resolveTask(backend, ref, await currentRepository(context));
      const { output, latest } = await locateTaskLog(context.paths.root, backend, task, ref.attempt);
      const running = async () => (await backend.observeRun(task.id)).state === 'running';
      await printTaskLog(output.file, (text) => process.stdout.write(text), {
        raw: options.raw === true,
        ...(options.follow && latest ? { follow: { running, intervalMs: LOGS_FOLLOW_POLL_MS } } : {}),
      });
    });

  program
    .command('assign')
    .description('give tasks of unknown repository (queued before repositories were recorded) their repository')
    .argument('<refs...>', 'the tasks: id:12 as list shows them, or 201 / "#201"')
    .option('--repo <repo>', "owner/name, or a repository's directory (default: the current directory's repository)")
    .action(async (refs: string[], options: { repo?: string }) => {
      const [{ resolveTask, assignTasks }, { parseTaskRef, taskLabel }, { repositoryIdentity }] = await Promise.all([
        commands(),
        import('../queue/task-ref.js'),
        import('../adapters/github/repository-name.js'),
      ]);
      const parsed = refs.map((raw) => parseTaskRef(raw));
      const context = await loadContext();
      // A directory names its repository as add would record it; anything else is taken as a repository's name.
      const repo =
        options.repo === undefined
          ? await currentRepository(context)
          : existsSync(options.repo)
            ? await repositoryIdentity({ cwd: options.repo, env: context.env })
            : options.repo;
      validateTaskSpec({ subissue: '1', parent: '1', priority: MIN_PRIORITY, repo });
      const backend = await openBackend(context);
      const here = await currentRepository(context);
      const tasks = await Promise.all(parsed.map((ref) => resolveTask(backend, ref, here)));
      for (const task of await assignTasks(backend, tasks, repo))
        printText(`${taskLabel(task)} now belongs to ${repo}: only its pool claims it.`);
    });

  program
    .command('backend')
    .description('say which queue backend this data root uses and why; with NAME, change it (refused while tasks are queued)')
    .argument('[name]', 'embedded, pueue or postgres')
    .action(async (name: string | undefined) => {
      if (name !== undefined && !['embedded', 'pueue', 'postgres'].includes(name))
        throw usageError(`${JSON.stringify(name.slice(0, 40))} is not a queue backend: use embedded, pueue or postgres.`);
      const context = await loadContext();
      const { openQueueBackend } = await import('../queue/open-backend.js');
      const { backend, notice } = await openQueueBackend({
        paths: context.paths,
        settings: context.settings,
        env: context.env,
        now: context.now,
      });
      if (name === undefined) {
        printText(notice);
        return;
      }
      const { changeBackend } = await commands();
      printText(await changeBackend(context.paths, backend, name as QueueBackend['name'], context.now()));
    });

  program
    .command('migrate')
    .description('WORKER_BACKEND=postgres: create or upgrade the schema of WORKERS_DATABASE_URL (safe on several hosts at once)')
    .action(async () => {
      const context = await loadContext();
      const { migrateDatabase, describeMigration } = await import('../adapters/postgres/shared-database.js');
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
      const result = await importPlan(await openBackend(context), plan, await currentRepository(context));
      const notes = [
        result.skippedFinished > 0 ? `${result.skippedFinished} finished line(s) skipped` : '',
        result.skippedActive.length > 0 ? `already queued: ${result.skippedActive.join(', ')}` : '',
      ].filter(Boolean);
      printText(`Imported ${result.imported} task(s) from ${source}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}.`);
    });

  await program.parseAsync(argv);
}

void runCli(BIN, main);
