import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import {
  getCommitsAhead,
  getWorktreeLeftovers,
  getUnpushedCount,
  getWorktrees,
  hasBranch,
  hasRemotes,
  pruneWorktrees,
  removeWorktree,
} from '../adapters/git.js';
import { DEFAULT_LOCK_STALE_MS } from '../core/file-lock.js';
import type { QueueTask } from '../queue/backend.js';
import { withWorktreesLock } from './worktree.js';

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
  return { tasks, dirty: (await getWorktreeLeftovers(path)).dirty, unsaved, withRemote };
}

/** A worktree git cannot inspect is kept, with what git said. */
const decide = (repo: string, baseBranch: string, path: string, tasks: readonly QueueTask[], withRemote: boolean) =>
  factsOf(repo, baseBranch, path, tasks, withRemote).then(
    keepReason,
    (error: unknown) => `git could not inspect it: ${(error as Error).message}`,
  );

const canonical = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
};

/**
 * Why an entry under `.worktrees` is not looked into at all: a link (gc never follows one, nor
 * runs git through it), anything but a directory, or a directory git does not list as a worktree
 * of this repository (another repository's checkout, say). Undefined for a task worktree.
 */
function oddEntryReason(path: string, name: string, registered: ReadonlySet<string>): string | undefined {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (info === undefined) return 'it is gone';
  if (info.isSymbolicLink()) return 'it is a symbolic link, which gc never follows; remove it by hand if it is not wanted';
  if (!info.isDirectory()) return 'it is not a directory; remove it by hand if it is not wanted';
  if (!PLACE.test(name)) return 'not a task worktree';
  if (!registered.has(canonical(path))) return 'git does not list it as a worktree of this repository; gc leaves it alone';
  return undefined;
}

/**
 * Looks at every entry under `<repo>/.worktrees`: removes the worktrees of finished tasks left
 * behind (their branches stay), keeps every other one with its reason, then prunes git's records
 * of worktrees whose directories are gone. The queue is read again for each worktree about to go,
 * under the lock a worker holds while making its worktree (withWorktreesLock): a task claimed
 * while gc walked keeps its worktree. One entry that cannot be removed is kept with git's words;
 * the others are still looked at.
 */
export async function collectWorktrees(options: {
  readonly repo: string;
  readonly baseBranch: string;
  readonly readTasks: () => Promise<readonly QueueTask[]>;
  readonly dryRun: boolean;
  readonly lockStaleMs?: number;
}): Promise<GcEntry[]> {
  const { repo, baseBranch, dryRun } = options;
  const dir = join(repo, '.worktrees');
  const root = lstatSync(dir, { throwIfNoEntry: false });
  if (root === undefined) return [];
  if (!root.isDirectory())
    return [{ path: dir, action: 'kept', reason: 'it is not a real directory (a link or a file); gc looks into nothing there' }];
  const names = readdirSync(dir).sort();
  const withRemote = await hasRemotes(repo);
  const registered = new Set((await getWorktrees(repo)).map((entry) => canonical(entry.path)));
  let tasksNow = await options.readTasks();
  const tasksOf = (subissue: string) => tasksNow.filter((task) => task.subissue === subissue);
  const entries: GcEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const odd = oddEntryReason(path, name, registered);
    if (odd !== undefined) {
      entries.push({ path, action: 'kept', reason: odd });
      continue;
    }
    const subissue = PLACE.exec(name)![1]!;
    const before = await decide(repo, baseBranch, path, tasksOf(subissue), withRemote);
    if (before !== undefined) {
      entries.push({ path, action: 'kept', reason: before });
      continue;
    }
    const entry = await withWorktreesLock(repo, options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS, async (): Promise<GcEntry> => {
      tasksNow = await options.readTasks();
      const reason = await decide(repo, baseBranch, path, tasksOf(subissue), withRemote);
      if (reason !== undefined) return { path, action: 'kept', reason };
      const finished = tasksOf(subissue)
        .map((task) => `task ${task.id} is ${task.status}`)
        .join(', ');
      if (dryRun) return { path, action: 'would_remove', reason: `${finished}; nothing uncommitted or unsaved` };
      return removeWorktree(repo, path).then(
        (): GcEntry => ({ path, action: 'removed', reason: `${finished}; nothing uncommitted or unsaved` }),
        (error: unknown): GcEntry => ({ path, action: 'kept', reason: `git could not remove it: ${(error as Error).message}` }),
      );
    });
    entries.push(entry);
  }
  if (!dryRun) await pruneWorktrees(repo);
  return entries;
}
