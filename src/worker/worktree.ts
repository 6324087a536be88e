import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { WorkersError, errnoCode, usageError } from '../core/errors.js';
import { withFileLock } from '../core/file-lock.js';
import {
  addWorktree,
  fastForward,
  getGitCommonDir,
  getHeadCommit,
  getWorktrees,
  hasBranch,
  hasCheckout,
  isAncestor,
  pruneWorktrees,
  rebaseBranchOnto,
  removeWorktree,
  resetHard,
} from '../adapters/git.js';

const ID = /^\d{1,12}$/;

export interface PreparedWorktree {
  readonly reused: boolean;
  readonly fromBase: boolean;
}

export interface TaskPlace {
  readonly worktree: string;
  readonly branch: string;
}

/** docs/SPEC.md section 3: `<repo>/.worktrees/subissue-<id>` on `subissue/<parent>-<id>`; ids must be digits. */
export function taskPlace(repo: string, subissue: string, parent: string): TaskPlace {
  if (!ID.test(subissue) || !ID.test(parent)) {
    throw usageError(`Task ids must be digits; got sub-issue ${JSON.stringify(subissue)} of parent ${JSON.stringify(parent)}.`);
  }
  return { worktree: join(repo, '.worktrees', `subissue-${subissue}`), branch: `subissue/${parent}-${subissue}` };
}

const canonical = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));

const WORKTREES = '.worktrees';

const refuseRoot = (message: string) => new WorkersError('conflict', message);

/**
 * `<repo>/.worktrees` must be a real directory of the repository itself: a repository that
 * commits it as a link (or as a file) would have the worker create, run agents in and remove
 * directories elsewhere. Checked at each task with lstat (no link at that name) and realpath
 * (every component above it resolves inside the repository). Created when missing.
 */
function verifyWorktreeRoot(repo: string): string {
  const root = join(repo, WORKTREES);
  let info;
  try {
    info = lstatSync(root);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    mkdirSync(root);
    info = lstatSync(root);
  }
  if (info.isSymbolicLink())
    throw refuseRoot(
      `${root} is a symbolic link (committed to the repository?); the worktrees must live in a real directory there: remove the link.`,
    );
  if (!info.isDirectory())
    throw refuseRoot(`${root} is not a directory; the worktrees must live in a real directory there: remove that file.`);
  const real = realpathSync(root);
  if (real !== join(realpathSync(repo), WORKTREES))
    throw refuseRoot(`${root} resolves to ${real}, outside the repository; the worktrees must live in a real directory there.`);
  return real;
}

/**
 * Removes a task's directory, after checking that it is `<real root>/<name>` and not a link
 * (rm does not follow a link, but git would): nothing outside `<repo>/.worktrees` is removed.
 */
async function removeTaskDirectory(repo: string, worktree: string): Promise<void> {
  const root = verifyWorktreeRoot(repo);
  if (canonical(dirname(worktree)) !== root || !/^subissue-\d+$/.test(basename(worktree))) {
    throw refuseRoot(`Refusing to remove ${worktree}: it is not a task directory inside ${root}.`);
  }
  await rm(join(root, basename(worktree)), { recursive: true, force: true });
}

/**
 * Held by a worker while it makes its task's worktree and by gc while it re-reads the queue and
 * removes one: gc then never removes a worktree whose task was claimed after gc looked, since
 * that worker makes (or finds) its worktree only once gc is done with it.
 */
export async function withWorktreesLock<R>(repo: string, staleMs: number, work: () => Promise<R>): Promise<R> {
  const lock = join(await getGitCommonDir(repo), 'hybrid-workers-worktrees.lock');
  return withFileLock(lock, { staleMs, wantedAgain: () => false }, work);
}

/**
 * Keeps `.worktrees/` out of the user's `git status` through the repository's local exclude file
 * (never a tracked .gitignore), so the main checkout stays untouched.
 */
const excludedRepos = new Set<string>();

async function ensureExcluded(repo: string): Promise<void> {
  if (excludedRepos.has(repo)) return;
  excludedRepos.add(repo);
  const exclude = join(await getGitCommonDir(repo), 'info', 'exclude');
  const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  if (current.split('\n').includes('/.worktrees/')) return;
  await appendFile(exclude, `${current === '' || current.endsWith('\n') ? '' : '\n'}/.worktrees/\n`);
}

/**
 * Makes the task's worktree exist on its branch, repairing what earlier runs left: a registered
 * worktree whose directory is gone is pruned, a leftover directory is removed, the branch checked
 * out in another of our worktrees is released, and an existing branch is reused (keeping its
 * commits). Returns whether an existing, healthy worktree was reused, and whether the branch was
 * created at the base just now (then it has no commits of its own: no git call needs to count them).
 *
 * `originCommit`: the branch as origin has it (another host may have pushed work there). A new
 * local branch starts from it instead of the base, and a local branch behind it is fast-forwarded,
 * so this attempt builds on the pushed work and its push is not refused (docs/SPEC.md section 3).
 */
export async function ensureTaskWorktree(repo: string, place: TaskPlace, base: string, originCommit?: string): Promise<PreparedWorktree> {
  const made = await makeTaskWorktree(repo, place, originCommit ?? base);
  if (originCommit !== undefined) {
    const head = await getHeadCommit(place.worktree);
    if (head !== originCommit && (await isAncestor(place.worktree, head, originCommit))) await fastForward(place.worktree, originCommit);
    else if (head !== originCommit && !(await isAncestor(place.worktree, originCommit, head))) {
      // Origin has commits this branch lacks and the other way round: a person pushed, or the pool
      // rebased the pull request onto its base. The attempt starts from origin's head (docs/SPEC.md
      // section 14.6): this branch's own commits are replayed on it, or, when they conflict, given
      // up for origin's (they stay in the reflog).
      if (!(await rebaseBranchOnto(place.worktree, originCommit))) await resetHard(place.worktree, originCommit);
    }
  }
  return { reused: made.reused, fromBase: made.fromBase && originCommit === undefined };
}

async function makeTaskWorktree(repo: string, place: TaskPlace, base: string): Promise<PreparedWorktree> {
  verifyWorktreeRoot(repo);
  await ensureExcluded(repo);
  // The common case (nothing left over, new branch) costs one git call; anything else is repaired.
  if (!existsSync(place.worktree)) {
    const added = await addWorktree(repo, place.worktree, place.branch, { from: base }).then(
      () => true,
      () => false,
    );
    if (added) return { reused: false, fromBase: true };
  }
  return repairTaskWorktree(repo, place, base);
}

async function repairTaskWorktree(repo: string, place: TaskPlace, base: string): Promise<PreparedWorktree> {
  const target = canonical(place.worktree);
  const ours = canonical(join(repo, '.worktrees')) + sep;
  let pruned = false;
  for (const entry of await getWorktrees(repo)) {
    const path = canonical(entry.path);
    const here = path === target;
    if (!here && entry.branch !== place.branch) continue;
    // Reused only whole: a worktree whose checkout was cut short (its worker killed during `git
    // worktree add`) has part of the files and no index, and is made again.
    if (here && entry.branch === place.branch && !entry.prunable && hasCheckout(place.worktree)) {
      return { reused: true, fromBase: false };
    }
    if (entry.prunable || !existsSync(entry.path)) {
      pruned = true;
    } else if (here || path.startsWith(ours)) {
      await removeWorktree(repo, entry.path);
    }
  }
  if (pruned) await pruneWorktrees(repo);
  await removeTaskDirectory(repo, place.worktree);
  if (await hasBranch(repo, place.branch)) {
    await addWorktree(repo, place.worktree, place.branch);
    return { reused: false, fromBase: false };
  }
  await addWorktree(repo, place.worktree, place.branch, { from: base });
  return { reused: false, fromBase: true };
}

/** Removes the task's worktree (the branch stays: it holds the work). */
export async function removeTaskWorktree(repo: string, worktree: string): Promise<void> {
  verifyWorktreeRoot(repo);
  if (
    existsSync(worktree) &&
    (await removeWorktree(repo, worktree).then(
      () => true,
      () => false,
    ))
  )
    return;
  await removeTaskDirectory(repo, worktree);
  await pruneWorktrees(repo);
}
