import { budgetEnforcementWarning } from '../pause/budget-gate.js';
import { isClaudeCommand } from '../worker/select-agent.js';
import { DATABASE_VARIABLES } from '../adapters/postgres/database-url.js';
import { sharesDatabase } from '../core/shared-database.js';
import { hasSession, killSession } from '../adapters/tmux.js';
import { WorkersError } from '../core/errors.js';
import { appendLine } from '../core/event-log.js';
import { openHealthStore } from '../health/open-stores.js';
import { startManager, scale, type ManagerLaunch } from '../manager/commands.js';
import { stopManager } from '../manager/manager-process.js';
import { managerTmuxOptionsFor, openPool, tmuxOptionsFor, type ManagerContext } from '../manager/pool.js';
import { openQueueBackend } from '../queue/open-backend.js';
import { checkDependencies, dependencySpecs, installHint, type DependencyStatus } from './dependencies.js';
import { importQueueTxtOnce } from './queue-txt-import.js';
import { refuseSecondRepositoryPool } from './pool-repository-guard.js';

export type SessionChoice = 'recreate' | 'reuse' | 'ask';

export interface SetupRequest {
  readonly workers: number;
  readonly session: SessionChoice;
  readonly resetMetrics: boolean;
}

export interface SetupStep {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
  /** An optional dependency that is missing: nothing is wrong, and nothing is there either. */
  readonly optional?: true;
}

/** One step's line: ✓ done, ✗ failed, ○ an optional dependency that is missing (never a check mark). */
export const formatSetupStep = (step: SetupStep) =>
  step.optional ? `○ ${step.step} (optional): ${step.detail}` : `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}`;

export interface SetupIo {
  /** Reports one finished step as it happens. */
  readonly report: (step: SetupStep) => void;
  /** Asks a y/N question on a terminal; undefined without one (setup then never waits). */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
}

export interface SetupSummary {
  readonly workers: number;
  readonly backend: string;
  readonly queue_notice: string;
  readonly session: string;
  readonly monitor_session: string;
  readonly tmux_socket: string | null;
  readonly data_root: string;
  readonly repository: string;
  readonly steps: readonly SetupStep[];
  readonly commands: Readonly<
    Record<'attach' | 'attach_manager' | 'dashboard' | 'add_task' | 'scale' | 'status' | 'report' | 'stop', string>
  >;
}

export const describeDependency = (status: DependencyStatus): SetupStep => {
  const { spec } = status;
  if (status.state === 'ok') return { step: 'dependency', ok: true, detail: `${spec.name} ${status.version ?? ''}`.trim() };
  if (status.state === 'too-old') {
    return {
      step: 'dependency',
      ok: false,
      detail: `${spec.name} ${status.version} is too old: ${spec.minimum} or newer is needed (${installHint(spec)})`,
    };
  }
  const consequence = spec.required ? '' : spec.name.startsWith('pueue') ? ', the embedded queue will be used' : ', optional';
  const detail = `${spec.name} is missing${consequence} (${installHint(spec)})`;
  return spec.required ? { step: 'dependency', ok: false, detail } : { step: 'dependency', ok: true, optional: true, detail };
};

/** Steps 1 to 8 of the seed's setup: each reported as it completes; a fatal one throws. */
export async function runSetup(context: ManagerContext, launch: ManagerLaunch, request: SetupRequest, io: SetupIo): Promise<SetupSummary> {
  const steps: SetupStep[] = [];
  const report = (step: SetupStep) => {
    steps.push(step);
    io.report(step);
  };
  // Setup's own look at the database and the queue takes the database's variables from its own
  // environment; they reach the manager and workers through the tmux servers' environment, never
  // their argv (src/manager/worker-command.ts).
  const env = { ...context.launch.env, ...databaseVariables(context.env ?? {}) };

  const dependencies = await checkDependencies(dependencySpecs(context.settings.WORKER_AGENT_CMD), env);
  for (const status of dependencies) report(describeDependency(status));
  const budgetWarning = budgetEnforcementWarning(context.settings, isClaudeCommand(context.settings.WORKER_AGENT_CMD));
  if (budgetWarning !== null) report({ step: 'budget', ok: false, detail: budgetWarning });
  const blocking = dependencies.filter((status) => (status.spec.required && status.state !== 'ok') || status.state === 'too-old');
  if (blocking.length > 0) {
    throw new WorkersError(
      'tool',
      `Setup stopped before starting anything: ${blocking.map((status) => status.spec.name).join(', ')} must be installed or upgraded (see the hints above).`,
    );
  }

  await refuseSecondRepositoryPool(context.paths, context.settings.LOCK_STALE_TIMEOUT, context.launch.cwd, env);

  if (sharesDatabase(context.settings)) {
    const { migrateDatabase, describeMigration } = await import('../adapters/postgres/shared-database.js');
    report({ step: 'database', ok: true, detail: describeMigration(await migrateDatabase(env)) });
  }
  const { backend, notice } = await openQueueBackend({ paths: context.paths, settings: context.settings, env, now: context.now });
  const depth = await backend.depth();
  report({ step: 'queue', ok: true, detail: `${notice} ${depth.queued} queued, ${depth.claimed} claimed` });

  const tmux = tmuxOptionsFor(context.settings);
  const session = context.settings.WORKERS_SESSION;
  if (await hasSession(tmux, session)) {
    const recreate =
      request.session === 'recreate' ||
      (request.session === 'ask' && io.confirm !== undefined && (await io.confirm(`The tmux session ${session} exists. Recreate it?`)));
    if (recreate) {
      // A running manager would rebuild the session it sees gone; it is started again below.
      await stopManager(context.paths, managerTmuxOptionsFor(context.settings), launch.monitorSession);
      await killSession(tmux, session);
      // A fresh pool: the workers are started anew, with no restart history to back off from.
      await openPool(context).state.update((draft) => {
        draft.workers = {};
      });
      report({
        step: 'tmux',
        ok: true,
        detail: `recreated session ${session}; tasks of the old workers are taken up again by the new ones`,
      });
    } else {
      report({
        step: 'tmux',
        ok: true,
        detail: `reusing the existing session ${session}${request.session === 'ask' && io.confirm === undefined ? ' (no terminal: pass --recreate to start afresh)' : ''}`,
      });
    }
  } else {
    report({ step: 'tmux', ok: true, detail: `session ${session} will hold ${request.workers} worker panes` });
  }

  const health = openHealthStore({ paths: context.paths, settings: context.settings, env: context.env, now: context.now });
  const kept = new Set(Array.from({ length: request.workers }, (_, index) => index + 1));
  const retired = await health.retireWorkersExcept(kept);
  const backup = request.resetMetrics ? await health.reset() : undefined;
  // There from the start, so `tail -f` on it works before the first alert.
  await appendLine(context.paths.alertsLog, '');
  report({
    step: 'health',
    ok: true,
    detail: [
      retired.length > 0 ? `cleared the live state of absent workers ${retired.join(', ')}` : 'no stale worker records',
      backup === undefined ? 'counters and history kept' : `counters reset (previous metrics in ${backup})`,
      `alerts in ${context.paths.alertsLog}`,
    ].join('; '),
  });

  // The workers first: a manager started before their session exists would alert that it is missing.
  const said: string[] = [];
  await scale(
    context,
    request.workers,
    false,
    (line) => said.push(line),
    (line) => said.push(`warning: ${line}`),
  );
  report({ step: 'workers', ok: true, detail: said.join(' ') });

  said.length = 0;
  await startManager(context, launch, (line) => said.push(line));
  report({ step: 'manager', ok: true, detail: said.join(' ') });

  const imported = await importQueueTxtOnce(context.paths, backend, context.settings.LOCK_STALE_TIMEOUT);
  report({
    step: 'import',
    ok: true,
    detail:
      imported.state === 'absent'
        ? 'no shell-era queue.txt to import'
        : imported.state === 'already-imported'
          ? `${imported.file} was imported before; not importing it twice`
          : `imported ${imported.added} tasks from ${imported.file} (${imported.skipped} skipped)`,
  });

  const socket = context.settings.WORKERS_TMUX_SOCKET;
  const tmuxCommand = socket === '' ? 'tmux' : `tmux -L ${socket}`;
  return {
    workers: request.workers,
    backend: backend.name,
    queue_notice: notice,
    session,
    monitor_session: context.settings.MONITOR_SESSION,
    tmux_socket: socket === '' ? null : socket,
    data_root: context.paths.root,
    repository: context.launch.cwd,
    steps,
    commands: {
      attach: `${tmuxCommand} attach -t ${session}`,
      attach_manager: `tmux -L ${managerTmuxOptionsFor(context.settings).socket} attach -t ${context.settings.MONITOR_SESSION}`,
      dashboard: 'worker-health-monitor dashboard',
      add_task: 'worker-queue add PRIORITY PARENT SUBISSUE',
      scale: `worker-manager scale ${request.workers * 2}`,
      status: 'worker-manager status',
      report: 'worker-performance report',
      stop: 'worker-manager shutdown',
    },
  };
}

const databaseVariables = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(DATABASE_VARIABLES.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
