import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { usageError } from '../core/errors.js';
import { addWorktree, getGitCommonDir, getWorktrees, hasBranch, pruneWorktrees, removeWorktree } from '../adapters/git.js';

const ID = /^\d{1,12}$/;

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
 * commits). Returns whether an existing, healthy worktree was reused.
 */
export async function ensureTaskWorktree(repo: string, place: TaskPlace, base: string): Promise<{ reused: boolean }> {
  await ensureExcluded(repo);
  // The common case (nothing left over, new branch) costs one git call; anything else is repaired.
  if (!existsSync(place.worktree)) {
    const added = await addWorktree(repo, place.worktree, place.branch, { from: base }).then(
      () => true,
      () => false,
    );
    if (added) return { reused: false };
  }
  return repairTaskWorktree(repo, place, base);
}

async function repairTaskWorktree(repo: string, place: TaskPlace, base: string): Promise<{ reused: boolean }> {
  const target = canonical(place.worktree);
  const ours = canonical(join(repo, '.worktrees')) + sep;
  let pruned = false;
  for (const entry of await getWorktrees(repo)) {
    const path = canonical(entry.path);
    const here = path === target;
    if (!here && entry.branch !== place.branch) continue;
    if (here && entry.branch === place.branch && !entry.prunable && existsSync(place.worktree)) return { reused: true };
    if (entry.prunable || !existsSync(entry.path)) {
      pruned = true;
    } else if (here || path.startsWith(ours)) {
      await removeWorktree(repo, entry.path);
    }
  }
  if (pruned) await pruneWorktrees(repo);
  await rm(place.worktree, { recursive: true, force: true });
  if (await hasBranch(repo, place.branch)) {
    await addWorktree(repo, place.worktree, place.branch);
  } else {
    await addWorktree(repo, place.worktree, place.branch, { from: base });
  }
  return { reused: false };
}

/** Removes the task's worktree (the branch stays: it holds the work). */
export async function removeTaskWorktree(repo: string, worktree: string): Promise<void> {
  if (existsSync(worktree) && (await removeWorktree(repo, worktree).then(() => true, () => false))) return;
  await rm(worktree, { recursive: true, force: true });
  await pruneWorktrees(repo);
}
