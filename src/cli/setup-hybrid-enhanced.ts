import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { usageError } from '../core/errors.js';
import { askYesNo } from './ask-yes-no.js';
import { loadContext, printJson, printText, type CliContext } from './context.js';
import { runCli } from './run-cli.js';
import { PACKAGE_VERSION } from './version.js';

const BIN = 'setup-hybrid-enhanced';
const DEFAULT_WORKERS = '4';
// This file is bundled to dist/setup-hybrid-enhanced.js; the launchers live in bin/ beside dist/.
const launcherPath = (name: string) => fileURLToPath(new URL(`../bin/${name}.js`, import.meta.url));

interface SetupFlags {
  recreate?: boolean;
  reuse?: boolean;
  resetMetrics?: boolean;
  dashboard?: boolean;
  json?: boolean;
  repo?: string;
  installService?: boolean;
  uninstallService?: boolean;
  installCommands?: boolean;
  force?: boolean;
}

/** --install-service / --uninstall-service: the unit for this repository and data root, nothing else. */
async function serviceAction(context: CliContext, repository: string, install: boolean): Promise<number> {
  const { userUnitDir } = await import('../setup/service-unit.js');
  const { installService, uninstallService } = await import('../setup/service.js');
  const host = { unitDir: userUnitDir(context.env, context.env.HOME ?? homedir()), systemdRunning: existsSync('/run/systemd/system') };
  if (!install) {
    printText((await uninstallService({ repository, dataRoot: context.paths.root }, host)).join('\n'));
    return 0;
  }
  const { managerContextFor, openPool } = await import('../manager/pool.js');
  const managerContext = managerContextFor(context, { workerBin: launcherPath('hybrid-worker-enhanced'), cwd: repository });
  const { rememberedPoolSize } = await import('../health/manager-state.js');
  const poolSize = rememberedPoolSize(await openPool(managerContext).state.read());
  const spec = {
    repository,
    dataRoot: context.paths.root,
    nodePath: process.execPath,
    managerBin: launcherPath('worker-manager'),
    env: managerContext.launch.env,
  };
  printText(installService(spec, host, poolSize).join('\n'));
  return 0;
}

/** The package's slash commands, beside dist/ like the launchers. */
async function installCommands(flags: SetupFlags): Promise<number> {
  const { resolveRepository } = await import('../setup/repository.js');
  const { installProjectCommands, renderInstalled } = await import('../setup/project-commands.js');
  const results = await installProjectCommands(
    fileURLToPath(new URL('../commands/project/', import.meta.url)),
    await resolveRepository(flags.repo ?? process.cwd()),
    flags.force === true,
  );
  if (flags.json) printJson({ commands: results });
  else printText(renderInstalled(results));
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command(BIN)
    .version(PACKAGE_VERSION)
    .description('Bring up the hybrid worker pool: dependencies, queue, tmux session, health, manager, workers.')
    .argument(
      '[workers]',
      `number of workers (default ${DEFAULT_WORKERS}; USE_ENHANCED=true is accepted and is the only mode)`,
      DEFAULT_WORKERS,
    )
    .option('--recreate', 'kill and recreate an existing workers session without asking')
    .option('--reuse', 'keep an existing workers session without asking')
    .option('--reset-metrics', 'start the health counters from zero (the old file is kept as a backup)')
    .option('--dashboard', 'open the health dashboard in a new tmux window of the session')
    .option('--repo <path>', 'the git repository the workers work on (default: the current directory)')
    .option('--json', 'print the summary as JSON')
    .option(
      '--install-service',
      'only write a systemd user unit that brings the pool back at boot (a crontab line where systemd is absent)',
    )
    .option('--uninstall-service', 'only remove that unit')
    .option(
      '--install-commands',
      "install the /project:work, /project:add, /project:status Claude Code commands into the repository's .claude/commands/project/ (and start nothing)",
    )
    .option('--force', 'with --install-commands: replace command files changed locally')
    .exitOverride()
    .showSuggestionAfterError();
  await program.parseAsync(argv);
  const flags = program.opts<SetupFlags>();
  if (flags.installCommands) return installCommands(flags);
  const [rawWorkers] = program.processedArgs as [string];
  const { parsePoolSize } = await import('../manager/pool-requests.js');
  const workers = parsePoolSize(rawWorkers);
  if (workers === 0) throw usageError('Setup needs at least 1 worker; use worker-manager scale 0 to stop all workers.');
  if (flags.recreate && flags.reuse) throw usageError('Use either --recreate or --reuse, not both.');

  if (flags.installService && flags.uninstallService) throw usageError('Use either --install-service or --uninstall-service, not both.');

  const context = await loadContext();
  const { resolveRepository } = await import('../setup/repository.js');
  const repository = await resolveRepository(flags.repo ?? process.cwd());
  if (flags.installService || flags.uninstallService) return serviceAction(context, repository, flags.installService === true);
  const interactive = context.stdinIsTty && context.stdoutIsTty;
  const { formatSetupStep, runSetup } = await import('../setup/setup.js');
  const { managerContextFor } = await import('../manager/pool.js');
  const managerContext = managerContextFor(context, { workerBin: launcherPath('hybrid-worker-enhanced'), cwd: repository });
  const summary = await runSetup(
    managerContext,
    { managerBin: launcherPath('worker-manager'), monitorSession: context.settings.MONITOR_SESSION },
    { workers, session: flags.recreate ? 'recreate' : flags.reuse ? 'reuse' : 'ask', resetMetrics: flags.resetMetrics === true },
    { report: (step) => (flags.json ? undefined : printText(formatSetupStep(step))), confirm: interactive ? askYesNo : undefined },
  );
  const openDashboard =
    flags.dashboard === true ||
    (flags.dashboard === undefined && interactive && !flags.json && (await askYesNo('Open the health dashboard in a new tmux window?')));
  if (openDashboard) {
    const { openDashboardWindow } = await import('../setup/dashboard-window.js');
    await openDashboardWindow(context.settings, {
      argv: [process.execPath, launcherPath('worker-health-monitor'), 'dashboard'],
      env: managerContext.launch.env,
      cwd: repository,
    });
  }
  const { githubModeReport } = await import('../github/pull-requests.js');
  const github = await githubModeReport(repository, context.env);
  if (flags.json) {
    printJson({ ...summary, dashboard_window: openDashboard, github_mode: github.json });
    return 0;
  }
  const { renderSetupSummary } = await import('../setup/summary-view.js');
  printText(`${renderSetupSummary(summary, openDashboard)}\n${github.line}`);
  return 0;
}

void runCli(BIN, main);
