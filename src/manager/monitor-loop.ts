import { budgetEnforcementWarning } from '../pause/budget-gate.js';
import { isClaudeCommand } from '../worker/select-agent.js';
import { rm } from 'node:fs/promises';
import { writeFileAtomicSync } from '../core/fs-safe.js';
import { startNotifications } from '../notify/notifications.js';
import { watchDeathEvents } from './death-events.js';
import { deathEventsFile, managerPidFile } from '../health/manager-state.js';
import { isProcessAlive } from '../adapters/process.js';
import { idsComingBack } from './orphan-claims.js';
import { alertStoppedLockHolders } from './stopped-lock-alerts.js';
import { watchPueueRestarts } from './pueue-restart-alerts.js';
import { startedPueuedFile } from '../queue/open-backend.js';
import type { ManagerContext, Pool } from './pool.js';

const RETRY_AFTER_FAILURE_MS = 1000;
const LIVENESS_POLL_MS = 500;

export interface MonitorOptions {
  readonly signal: AbortSignal;
}

/**
 * The manager daemon: a pass at once whenever tmux reports a pane death, every CHECK_INTERVAL
 * otherwise (the hung worker that no exit event reveals), and when a backoff restart falls due.
 */
export async function runMonitorLoop(context: ManagerContext, pool: Pool, options: MonitorOptions): Promise<void> {
  const { paths, settings } = context;
  const nowMs = () => context.now().getTime();
  // Monotonic, for the pass's duration; not performance.now(): the global performance object
  // loads perf_hooks, 1.2 MiB resident in an idle manager (docs/PERFORMANCE.md, "The fifth round").
  const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
  let woken = false;
  let wake: () => void = () => undefined;
  const watcher = await watchDeathEvents(deathEventsFile(paths), () => {
    woken = true;
    wake();
  });
  const alertedLocks = new Set<string>();
  const startedAt = context.now().toISOString();
  const record = (lastPassMs: number | null) =>
    writeFileAtomicSync(
      managerPidFile(paths),
      `${JSON.stringify({ pid: process.pid, started_at: startedAt, last_pass_ms: lastPassMs, last_pass_at: context.now().toISOString() })}\n`,
    );
  record(null);
  await pool.log.log('INFO', `Manager started (pid ${process.pid}), checking every ${settings.CHECK_INTERVAL / 1000} s.`);
  const budgetWarning = budgetEnforcementWarning(settings, isClaudeCommand(settings.WORKER_AGENT_CMD));
  if (budgetWarning !== null) await pool.log.log('WARN', budgetWarning);
  // tmux sometimes skips the pane-died hook (tmux/tmux#2483: the pty closes before the exit is
  // collected); a cheap poll of the pane processes (kill -0 and /proc, no tmux call) catches that
  // case within LIVENESS_POLL_MS instead of at the next check.
  const liveness = setInterval(() => {
    if (pool.supervisor.livePanePids.some((pid) => !isProcessAlive(pid))) {
      pool.supervisor.livePanePids = [];
      woken = true;
      wake();
    }
  }, LIVENESS_POLL_MS);
  liveness.unref();
  let orphanCheckFailing = false;
  // The one sender of notifications, on its own timer so a slow sink never delays a pass.
  const notifications = startNotifications({ ...context, env: context.env ?? {} }, pool.log);
  let lastGcMs = Number.NEGATIVE_INFINITY;
  const checkPueueRestart = watchPueueRestarts(startedPueuedFile(paths), pool.log);
  const pullWatch = await context.startPullRequestWatch?.(pool.log);
  const onAbort = () => wake();
  options.signal.addEventListener('abort', onAbort);
  try {
    while (!options.signal.aborted) {
      woken = false;
      const started = monotonicMs();
      let nextRestartAt: number | null = null;
      try {
        nextRestartAt = (await pool.supervisor.pass()).nextRestartAt;
      } catch (error) {
        await pool.log.log('ERROR', `Check failed: ${(error as Error).message}`);
        // A failed pass may have missed a death: try again soon, not a whole interval later.
        nextRestartAt = nowMs() + RETRY_AFTER_FAILURE_MS;
      }
      await alertStoppedLockHolders(paths, pool.log, settings.LOCK_STALE_TIMEOUT, alertedLocks).catch(() => undefined);
      // Both looks are tried again at the next check; a failed one must not stop the loop.
      await checkPueueRestart().catch(() => undefined);
      const wallMs = monotonicMs() - started;
      // The pid file also tells `status` (and the benchmarks) how long the last check took.
      record(Math.round(wallMs * 100) / 100);
      // After the pass, outside its lock: the claims of workers that will not come back. A queue
      // that cannot be read is said once per outage, not at every check.
      try {
        await context.returnOrphanedClaims?.(idsComingBack(await pool.state.read()), pool.log);
        orphanCheckFailing = false;
      } catch (error) {
        if (!orphanCheckFailing) await pool.log.log('WARN', `Could not look for the claims of gone workers: ${(error as Error).message}`);
        orphanCheckFailing = true;
      }
      // Every pass, so a kill asked for on another host takes at most one CHECK_INTERVAL.
      await context
        .actOnKillRequests?.(pool.log)
        .catch((error: unknown) => pool.log.log('WARN', `Could not look for kill requests: ${(error as Error).message}`));
      if (context.collectGarbage && nowMs() - lastGcMs >= settings.GC_INTERVAL) {
        lastGcMs = nowMs();
        await context.collectGarbage(pool.log).catch((error: unknown) => pool.log.log('WARN', `gc failed: ${(error as Error).message}`));
      }
      pullWatch?.tick();
      if (woken || options.signal.aborted) continue;
      const until = Math.min(nowMs() + settings.CHECK_INTERVAL, nextRestartAt ?? Number.POSITIVE_INFINITY);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, until - nowMs()));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => undefined;
    }
  } finally {
    clearInterval(liveness);
    await notifications.stop();
    await pullWatch?.stop();
    options.signal.removeEventListener('abort', onAbort);
    watcher.close();
    await rm(managerPidFile(paths), { force: true });
    await pool.log.log('INFO', 'Manager stopped; workers left running.');
  }
}
