import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkersError } from '../core/errors.js';

/**
 * git through execFile, one small function per question (np's habit): `is*`/`has*` answer a
 * boolean, `get*` return data, `verify*` throw a message saying what to do, `ensure*`/`remove*`
 * repair. Every command is an argv array; queries are chosen so that "no" is an answer, not an error.
 * (Not simple-git: it waits an extra 50 ms after every command that prints nothing, such as
 * `git worktree remove`, which a worker runs for every task; not execa either: a worker runs
 * git about five times a task, and execa's set-up per call and its module cost CPU and memory.)
 */
const GIT_TIMEOUT_MS = 60_000;

interface GitResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly shortMessage: string;
}

/** Never rejects: a failure to start git (ENOENT) is an undefined exit code with its message. */
function git(cwd: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({
        exitCode: error === null ? 0 : typeof code === 'number' ? code : undefined,
        stdout,
        stderr,
        shortMessage: error?.message.split('\n')[0] ?? '',
      });
    });
    child.stdin?.end();
  });
}

async function run(cwd: string, args: readonly string[]): Promise<string> {
  const result = await git(cwd, args);
  if (result.exitCode === 0) return result.stdout.trim();
  const detail = result.stderr.trim() || result.shortMessage;
  throw new WorkersError('tool', `git ${args[0]} failed in ${cwd}: ${detail}`, { cause: result });
}

/** The URL of the `origin` remote, or undefined when there is none (or no repository). */
export async function getOriginUrl(cwd: string): Promise<string | undefined> {
  const result = await git(cwd, ['remote', 'get-url', 'origin']);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** The top directory of the repository that holds `cwd`, or undefined outside one. */
export async function findRepoRoot(cwd: string): Promise<string | undefined> {
  const result = await git(cwd, ['rev-parse', '--show-toplevel']);
  return result.exitCode === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : undefined;
}

/** The top directory of the repository that holds `cwd`. */
export async function getRepoRoot(cwd: string): Promise<string> {
  return run(cwd, ['rev-parse', '--show-toplevel']);
}

export async function verifyRepo(cwd: string): Promise<string> {
  try {
    return await getRepoRoot(cwd);
  } catch (error) {
    throw new WorkersError('usage', `${cwd} is not inside a git repository: run the worker in one or pass --repo.`, { cause: error });
  }
}

/** The checked-out branch; a detached HEAD is refused because the base would be ambiguous. */
export async function getCurrentBranch(cwd: string): Promise<string> {
  const name = await run(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  if (name === 'HEAD') {
    throw new WorkersError('usage', `The repository at ${cwd} has a detached HEAD: check out a branch or pass --base.`);
  }
  return name;
}

export async function hasBranch(cwd: string, branch: string): Promise<boolean> {
  return (await run(cwd, ['branch', '--list', '--end-of-options', branch])) !== '';
}

/** A name git accepts for a branch; a leading dash is refused first so no git reads it as an option. */
export async function isValidBranchName(cwd: string, branch: string): Promise<boolean> {
  if (branch === '' || branch.startsWith('-')) return false;
  return (await git(cwd, ['check-ref-format', '--branch', branch])).exitCode === 0;
}

export async function verifyBranch(cwd: string, branch: string): Promise<void> {
  if (!(await isValidBranchName(cwd, branch))) {
    throw new WorkersError(
      'usage',
      `The base branch ${JSON.stringify(branch)} is not a valid branch name: pass an existing branch to --base.`,
    );
  }
  if (!(await hasBranch(cwd, branch))) {
    throw new WorkersError('usage', `The base branch ${branch} does not exist in ${cwd}: pass an existing branch to --base.`);
  }
}

export interface WorktreeEntry {
  readonly path: string;
  readonly branch: string | null;
  /** Registered but its directory is gone. */
  readonly prunable: boolean;
}

/** Parses `git worktree list --porcelain` (blank-line separated records). */
export function parseWorktreeList(text: string): WorktreeEntry[] {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim().split('\n'))
    .filter((lines) => lines[0]?.startsWith('worktree '))
    .map((lines) => {
      const branchLine = lines.find((line) => line.startsWith('branch '));
      return {
        path: lines[0]!.slice('worktree '.length),
        branch: branchLine ? branchLine.slice('branch '.length).replace(/^refs\/heads\//, '') : null,
        prunable: lines.some((line) => line.startsWith('prunable')),
      };
    });
}

export async function getWorktrees(repo: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await run(repo, ['worktree', 'list', '--porcelain']));
}

/** Checks out `branch` at `path`; with `from`, the branch is created there first. */
export async function addWorktree(repo: string, path: string, branch: string, options: { readonly from?: string } = {}): Promise<void> {
  const args =
    options.from === undefined
      ? ['worktree', 'add', '--end-of-options', path, branch]
      : ['worktree', 'add', '-b', branch, '--end-of-options', path, options.from];
  await run(repo, args);
}

/**
 * Whether the worktree's checkout was completed: `git worktree add` writes the index after the
 * files, so one stopped mid-way (its worker killed) has none. Read from the worktree's `.git` file
 * (`gitdir: <dir>`), with no git process.
 */
export function hasCheckout(worktree: string): boolean {
  let gitDir = join(worktree, '.git');
  try {
    const link = /^gitdir: (.+)$/m.exec(readFileSync(gitDir, 'utf8'))?.[1];
    if (link !== undefined) gitDir = resolve(worktree, link);
  } catch {
    // A directory (a main checkout) or nothing: looked at as it is.
  }
  return existsSync(join(gitDir, 'index'));
}

export async function removeWorktree(repo: string, path: string): Promise<void> {
  await run(repo, ['worktree', 'remove', '--force', '--force', path]);
}

export async function pruneWorktrees(repo: string): Promise<void> {
  await run(repo, ['worktree', 'prune']);
}

/** Commits on `branch` that `base` does not have. */
export async function getCommitsAhead(cwd: string, base: string, branch: string): Promise<number> {
  return Number(await run(cwd, ['rev-list', '--count', '--end-of-options', `${base}..${branch}`]));
}

/** Aborts whatever a crashed agent left half done inside one worktree (never the main checkout). */
export async function ensureCleanOperation(worktree: string): Promise<void> {
  const gitDir = await run(worktree, ['rev-parse', '--absolute-git-dir']);
  for (const [marker, abort] of [
    ['rebase-merge', ['rebase', '--abort']],
    ['rebase-apply', ['rebase', '--abort']],
    ['MERGE_HEAD', ['merge', '--abort']],
    ['CHERRY_PICK_HEAD', ['cherry-pick', '--abort']],
  ] as const) {
    if (existsSync(join(gitDir, marker))) await run(worktree, abort).catch(() => undefined);
  }
  rmSync(join(gitDir, 'index.lock'), { force: true });
}

/**
 * Fetches `branch` from origin into `refs/remotes/origin/<branch>` and returns its commit, or
 * undefined when origin has no such branch (another host may have pushed it: docs/SPEC.md section 3).
 */
export async function fetchOriginBranch(cwd: string, branch: string): Promise<string | undefined> {
  const remoteRef = `refs/remotes/origin/${branch}`;
  try {
    await run(cwd, ['fetch', '--quiet', '--no-tags', 'origin', '--end-of-options', `+refs/heads/${branch}:${remoteRef}`]);
  } catch (error) {
    if (/couldn't find remote ref/i.test((error as Error).message)) return undefined;
    throw error;
  }
  return run(cwd, ['rev-parse', '--verify', '--end-of-options', `${remoteRef}^{commit}`]);
}

/** Whether commit `ancestor` is reachable from `descendant` (both exist). */
export async function isAncestor(cwd: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await git(cwd, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant])).exitCode === 0;
}

/** Fast-forwards the worktree's checked-out branch to `commit` (refused by git unless it is a fast-forward). */
export async function fastForward(worktree: string, commit: string): Promise<void> {
  await run(worktree, ['merge', '--ff-only', '--quiet', '--end-of-options', commit]);
}

/** The commit `ref` names. */
export async function getCommit(cwd: string, ref: string): Promise<string> {
  return run(cwd, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]);
}

/**
 * Pushes `branch` to origin and makes it the branch's upstream. With `lease` (the commit the
 * branch had on origin when last seen, '' for none) the push is forced only if origin still has
 * exactly that: commits someone else pushed since are never overwritten (docs/SPEC.md section 14.6).
 */
export async function pushBranch(cwd: string, branch: string, lease?: string): Promise<void> {
  const force = lease === undefined ? [] : [`--force-with-lease=refs/heads/${branch}:${lease}`];
  await run(cwd, ['push', '--set-upstream', ...force, '--end-of-options', 'origin', branch]);
}

const commonDirs = new Map<string, Promise<string>>();

/**
 * The repository's shared .git directory (the same for every worktree). Asked once per directory
 * per process: it does not change while a worker runs, and a worker asks for every task (a git
 * process is most of a task's fixed cost: docs/PERFORMANCE.md). A failed answer is not kept.
 */
export function getGitCommonDir(cwd: string): Promise<string> {
  let answer = commonDirs.get(cwd);
  if (answer === undefined) {
    answer = run(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    commonDirs.set(cwd, answer);
    answer.catch(() => commonDirs.delete(cwd));
  }
  return answer;
}

/** The commit the worktree's HEAD points at; empty when it has none yet. */
export async function getHeadCommit(cwd: string): Promise<string> {
  return run(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
}

/** Fields before the path in `git status --porcelain=v2` records: changed, renamed or copied, unmerged, untracked. */
const FIELDS_BEFORE_PATH: Readonly<Record<string, number>> = { '1': 8, '2': 9, u: 10, '?': 1 };

/**
 * In one git process: the commit HEAD points at (empty when none yet), whether HEAD is detached, and
 * the paths `git status` lists as changed or untracked (ignored ones are not), relative to the worktree.
 */
export async function getWorktreeStatus(worktree: string): Promise<{ head: string; detached: boolean; paths: string[] }> {
  // Without the index lock `status` takes to refresh it: an agent may be committing in the worktree.
  const entries = (
    await run(worktree, ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '-z', '--untracked-files=all'])
  ).split('\0');
  let head = '';
  const paths: string[] = [];
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index]!;
    if (entry.startsWith('# branch.oid ')) head = /^[0-9a-f]+$/.test(entry.slice(13)) ? entry.slice(13) : '';
    const fields = FIELDS_BEFORE_PATH[entry.slice(0, entry.indexOf(' '))];
    if (fields === undefined) continue;
    paths.push(entry.split(' ').slice(fields).join(' '));
    // A rename or copy is followed by its source path.
    if (entry.startsWith('2 ')) index += 1;
  }
  return { head, detached: entries.includes('# branch.head (detached)'), paths };
}

export async function hasRemotes(repo: string): Promise<boolean> {
  return (await run(repo, ['remote'])) !== '';
}

/**
 * What a worktree holds that no branch does, in one git process: uncommitted changes (untracked
 * files included, ignored ones not) and whether HEAD is detached (only then can it hold commits no
 * branch has: see getCommitsOnNoBranch).
 */
export async function getWorktreeLeftovers(worktree: string): Promise<{ dirty: boolean; detached: boolean }> {
  const { paths, detached } = await getWorktreeStatus(worktree);
  return { dirty: paths.length > 0, detached };
}

/** Commits the worktree's HEAD has that no branch holds (made on a detached HEAD, say). */
export async function getCommitsOnNoBranch(worktree: string): Promise<number> {
  return Number(await run(worktree, ['rev-list', '--count', 'HEAD', '--not', '--branches']));
}

/** Commits on `branch` that no remote-tracking branch holds. */
export async function getUnpushedCount(repo: string, branch: string): Promise<number> {
  return Number(await run(repo, ['rev-list', '--count', branch, '--not', '--remotes']));
}

/** The worktree's own git directory (`<common>/worktrees/<name>`), absolute. */
export async function getWorktreeGitDir(worktree: string): Promise<string> {
  return run(worktree, ['rev-parse', '--path-format=absolute', '--git-dir']);
}

/** The commit `branch` points at. */
export async function getBranchCommit(repo: string, branch: string): Promise<string> {
  return run(repo, ['rev-parse', '--verify', '--end-of-options', `refs/heads/${branch}^{commit}`]);
}

/**
 * Moves `branch` from `from` to `to`, only if it still points at `from` and `to` is a commit of
 * the repository (git refuses otherwise).
 */
export async function moveBranch(repo: string, branch: string, to: string, from: string): Promise<void> {
  await run(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${to}^{commit}`]);
  await run(repo, ['update-ref', '-m', 'hybrid-workers: the sandboxed agent committed', `refs/heads/${branch}`, to, from]);
}

/** The user's git identity as the repository sees it (its config, then the global one); undefined when unset. */
export async function getGitIdentity(repo: string): Promise<{ name: string; email: string } | undefined> {
  const [name, email] = await Promise.all([
    run(repo, ['config', 'user.name']).catch(() => ''),
    run(repo, ['config', 'user.email']).catch(() => ''),
  ]);
  return name !== '' && email !== '' ? { name, email } : undefined;
}

/** Pushes `commit` to origin's `branch`, forced only while origin still has `lease` there. */
export async function pushCommitWithLease(cwd: string, commit: string, branch: string, lease: string): Promise<void> {
  await run(cwd, [
    'push',
    '--quiet',
    `--force-with-lease=refs/heads/${branch}:${lease}`,
    '--end-of-options',
    'origin',
    `${commit}:refs/heads/${branch}`,
  ]);
}

/**
 * What merging `head` into `base` would give, without touching any worktree (`git merge-tree
 * --write-tree`, git 2.38+): the conflicted paths, none when it merges cleanly.
 */
export async function getMergeConflicts(cwd: string, base: string, head: string): Promise<string[]> {
  const result = await git(cwd, ['merge-tree', '--write-tree', '--name-only', '--no-messages', '--end-of-options', base, head]);
  if (result.exitCode === 0) return [];
  if (result.exitCode !== 1)
    throw new WorkersError('tool', `git merge-tree failed in ${cwd}: ${result.stderr.trim() || result.shortMessage}`);
  return [
    ...new Set(
      result.stdout
        .split('\n')
        .slice(1)
        .filter((line) => line !== ''),
    ),
  ];
}

/** The best common ancestor of two commits. */
export async function getMergeBase(cwd: string, a: string, b: string): Promise<string> {
  return run(cwd, ['merge-base', '--end-of-options', a, b]);
}

/** `<short sha> <subject>` of each commit in `from..to` that touched one of `paths`, newest first. */
export async function getCommitsTouching(cwd: string, from: string, to: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const out = await run(cwd, ['log', '--format=%h %s', '--end-of-options', `${from}..${to}`, '--', ...paths]);
  return out === '' ? [] : out.split('\n');
}

/** The paths `head` changed since it left `base` (the merge-base diff, as a pull request's files). */
export async function getChangedFilesSince(cwd: string, base: string, head: string): Promise<string[]> {
  const out = await run(cwd, ['diff', '--name-only', '--end-of-options', `${base}...${head}`]);
  return out === '' ? [] : out.split('\n');
}

/** Fetches origin's `branches` into refs/remotes/origin/*, in one call; branches origin lacks are skipped by the caller. */
export async function fetchOriginBranches(cwd: string, branches: readonly string[]): Promise<void> {
  if (branches.length === 0) return;
  const specs = branches.map((branch) => `+refs/heads/${branch}:refs/remotes/origin/${branch}`);
  await run(cwd, ['fetch', '--quiet', '--no-tags', 'origin', '--end-of-options', ...specs]);
}

/** A detached worktree at `commit` (for work the pool does with no agent). */
export async function addDetachedWorktree(repo: string, path: string, commit: string): Promise<void> {
  await run(repo, ['worktree', 'add', '--detach', '--end-of-options', path, commit]);
}

/**
 * Brings the detached worktree's HEAD up to `base` by rebasing onto it or merging it, and returns
 * the new commit; undefined when git stops on a conflict (the operation is aborted).
 */
export async function updateOnto(
  worktree: string,
  base: string,
  method: 'rebase' | 'merge',
  identity: readonly string[],
): Promise<string | undefined> {
  const args =
    method === 'rebase' ? ['rebase', '--quiet', '--end-of-options', base] : ['merge', '--quiet', '--no-edit', '--end-of-options', base];
  const result = await git(worktree, [...identity, ...args]);
  if (result.exitCode !== 0) {
    await git(worktree, [method, '--abort']);
    return undefined;
  }
  return run(worktree, ['rev-parse', 'HEAD']);
}

/** Who commits a rebase or merge the pool makes when the repository names no one. */
export const IDENTITY_FALLBACK: readonly string[] = ['-c', 'user.name=hybrid-workers', '-c', 'user.email=hybrid-workers@localhost'];

/**
 * Replays the worktree's branch onto `commit` (origin's head of it, which has commits the branch
 * lacks); commits already there (the same patch) are dropped. False, with nothing changed, on a conflict.
 */
export async function rebaseBranchOnto(worktree: string, commit: string): Promise<boolean> {
  const identity = (await getGitIdentity(worktree)) ? [] : IDENTITY_FALLBACK;
  return (await updateOnto(worktree, commit, 'rebase', identity)) !== undefined;
}

/** Points the worktree's branch, index and files at `commit`. */
export async function resetHard(worktree: string, commit: string): Promise<void> {
  await run(worktree, ['reset', '--quiet', '--hard', '--end-of-options', commit]);
}
