import { getCurrentBranch, verifyRepo } from '../adapters/git.js';
import type { EventLog } from '../core/event-log.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import type { QueueBackend } from '../queue/backend.js';
import { removeOldRunFiles } from '../queue/runs/run-files-gc.js';
import { collectWorktrees } from './worktree-gc.js';

/**
 * The manager's pass every GC_INTERVAL: `worker-queue gc` on the pool's repository and the old
 * run files of `worker-queue clean`. Each removed worktree is logged with its reason; the kept
 * ones are counted (their reasons are what `worker-queue gc --dry-run` shows).
 */
export async function collectGarbage(options: {
  readonly repo: string;
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly backend: QueueBackend;
  readonly now: Date;
  readonly log: EventLog;
}): Promise<void> {
  const repo = await verifyRepo(options.repo);
  const entries = await collectWorktrees({
    repo,
    baseBranch: await getCurrentBranch(repo),
    readTasks: () => options.backend.list(),
    dryRun: false,
    lockStaleMs: options.settings.LOCK_STALE_TIMEOUT,
  });
  const tasks = await options.backend.list();
  for (const entry of entries.filter((item) => item.action === 'removed'))
    await options.log.log('INFO', `gc: removed the worktree ${entry.path} (${entry.reason}).`);
  const files = await removeOldRunFiles(options.paths, tasks, options.settings.RUNS_KEEP_DAYS, options.now);
  const kept = entries.filter((item) => item.action === 'kept').length;
  if (entries.length > kept || files > 0)
    await options.log.log('INFO', `gc: ${kept} worktree(s) kept; ${files} run file(s) older than RUNS_KEEP_DAYS removed.`);
}
