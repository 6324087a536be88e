import { repositoryIdentity } from '../adapters/github/repository-name.js';
import { WorkersError } from '../core/errors.js';
import type { DataPaths } from '../core/paths.js';
import { runningWorkerRepositories } from '../health/worker-pid-file.js';

/**
 * One data root runs one pool (docs/HOSTS.md, "Two repositories"): its tmux session, worker ids,
 * state, pid and heartbeat files and its manager are the data root's, not a repository's. A setup
 * in another repository than the one the running workers work would reuse (or, with --recreate,
 * kill) that pool, so it is refused before anything starts, naming the fix.
 */
export async function refuseSecondRepositoryPool(
  paths: DataPaths,
  lockStaleMs: number,
  repoDir: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const worked = await runningWorkerRepositories(paths, lockStaleMs);
  if (worked.size === 0) return;
  const here = await repositoryIdentity({ cwd: repoDir, env });
  if (worked.has(here)) return;
  throw new WorkersError(
    'conflict',
    `The data root ${paths.root} already runs a pool for ${[...worked].sort().join(', ')}; a pool for ${here} needs a data root and tmux server of its own: run setup-hybrid-enhanced here with CLAUDE_WORKERS_HOME set to another directory and WORKERS_TMUX_SOCKET to another name (docs/HOSTS.md, two repositories).`,
  );
}
