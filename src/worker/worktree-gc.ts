import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  getCommitsAhead,
  getUnpushedCount,
  hasBranch,
  hasRemotes,
  hasUncommittedChanges,
  pruneWorktrees,
  removeWorktree,
} from '../adapters/git.js';
import type { QueueTask } from '../queue/backend.js';

/** What gc did (or, with --dry-run, would do) with one directory under `.worktrees`, and why. */
export interface GcEntry {
  readonly path: string;
  readonly action: 'removed' | 'would_remove' | 'kept';
  readonly reason: string;
}

const FINISHED = new Set(['done', 'failed', 'review']);
const PLACE = /^subissue-(\d{1,12})$/;

/** The facts gc decides on; gathered from the queue and git, decided without either. */
export interface WorktreeFacts {
  /** The queue's tasks for this sub-issue. */
  readonly tasks: readonly Pick<QueueTask, 'id' | 'status'>[];
  readonly dirty: boolean;
  /** Commits not on any remote (with a remote) or not on the base branch (without one). */
  readonly unsaved: number;
  readonly withRemote: boolean;
}

/** Why a worktree stays, or undefined when it may go: only a finished task's, with nothing unsaved. */
export function keepReason(facts: WorktreeFacts): string | undefined {
  if (facts.tasks.length === 0) return 'the queue does not know this sub-issue';
  const open = facts.tasks.find((task) => !FINISHED.has(task.status));
  if (open) return `task ${open.id} is ${open.status}`;
  if (facts.dirty) return 'it has uncommitted changes (untracked files included)';
  if (facts.unsaved > 0)
    return facts.withRemote
      ? `${facts.unsaved} commit(s) are on no remote`
      : `${facts.unsaved} commit(s) are not merged into the base branch`;
  return undefined;
}

async function factsOf(
  repo: string,
  baseBranch: string,
  path: string,
  tasks: readonly QueueTask[],
  withRemote: boolean,
): Promise<WorktreeFacts> {
  const branches = [...new Set(tasks.map((task) => `subissue/${task.parent}-${task.subissue}`))];
  let unsaved = 0;
  for (const branch of branches) {
    if (!(await hasBranch(repo, branch))) continue;
    unsaved += withRemote ? await getUnpushedCount(repo, branch) : await getCommitsAhead(repo, baseBranch, branch);
  }
  return { tasks, dirty: await hasUncommittedChanges(path), unsaved, withRemote };
}

/** A worktree git cannot inspect is kept, with what git said. */
const decide = (repo: string, baseBranch: string, path: string, tasks: readonly QueueTask[], withRemote: boolean) =>
  factsOf(repo, baseBranch, path, tasks, withRemote).then(
    keepReason,
    (error: unknown) => `git could not inspect it: ${(error as Error).message}`,
  );

/**
 * Looks at every directory under `<repo>/.worktrees`: removes the worktrees of finished tasks left
 * behind (their branches stay), keeps every other one with its reason, then prunes git's records
 * of worktrees whose directories are gone.
 */
export async function collectWorktrees(options: {
  readonly repo: string;
  readonly baseBranch: string;
  readonly tasks: readonly QueueTask[];
  readonly dryRun: boolean;
}): Promise<GcEntry[]> {
  const { repo, baseBranch, dryRun } = options;
  const dir = join(repo, '.worktrees');
  const names = existsSync(dir) ? readdirSync(dir).sort() : [];
  const withRemote = await hasRemotes(repo);
  const entries: GcEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const subissue = PLACE.exec(name)?.[1];
    const tasks = subissue === undefined ? [] : options.tasks.filter((task) => task.subissue === subissue);
    const reason = subissue === undefined ? 'not a task worktree' : await decide(repo, baseBranch, path, tasks, withRemote);
    if (reason !== undefined) {
      entries.push({ path, action: 'kept', reason });
      continue;
    }
    const finished = tasks.map((task) => `task ${task.id} is ${task.status}`).join(', ');
    if (!dryRun) await removeWorktree(repo, path);
    entries.push({ path, action: dryRun ? 'would_remove' : 'removed', reason: `${finished}; nothing uncommitted or unsaved` });
  }
  if (!dryRun) await pruneWorktrees(repo);
  return entries;
}
