import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The one rebase a stacked pull request needs after its blocker merged (docs/SPEC.md section 8.5):
 * its branch, as origin has it, is replayed onto the new base in a throw-away worktree and pushed
 * back with --force-with-lease (a push made meanwhile by anyone else is never overwritten). Kept
 * apart and small so the generic rebase-on-base-move machinery can take it over.
 */

interface Ran {
  readonly code: number;
  readonly out: string;
}

const gitIn = (cwd: string, args: readonly string[]): Promise<Ran> =>
  new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ code: error === null ? 0 : typeof code === 'number' ? code : 1, out: `${stdout}${stderr}`.trim() });
    });
  });

async function must(cwd: string, args: readonly string[]): Promise<string> {
  const ran = await gitIn(cwd, args);
  if (ran.code !== 0) throw new Error(`git ${args[0]} failed: ${ran.out.split('\n').slice(-3).join(' ')}`);
  return ran.out;
}

export type StackRebase =
  | { readonly kind: 'rebased'; readonly commit: string }
  | { readonly kind: 'conflict'; readonly files: readonly string[] }
  /** The rebase failed for another reason (git's last words). */
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'gone' };

/** Who the rebased commits are committed by: the repository's identity, else the toolkit's (authors are kept). */
async function committer(repo: string): Promise<string[]> {
  const [name, email] = await Promise.all([gitIn(repo, ['config', 'user.name']), gitIn(repo, ['config', 'user.email'])]);
  return name.out !== '' && email.out !== '' ? [] : ['-c', 'user.name=hybrid-workers', '-c', 'user.email=hybrid-workers@localhost'];
}

/**
 * This repository's own copy of the branch follows the rebase when it still is the commit that
 * was rebased: moved when no worktree has it, reset (--keep: never losing a change) in the
 * worktree that has it. A later follow-up on the branch then builds on what origin has.
 */
async function followRebase(repo: string, branch: string, before: string, after: string): Promise<void> {
  if ((await gitIn(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).out !== before) return;
  const list = (await gitIn(repo, ['worktree', 'list', '--porcelain'])).out.split(/\n\s*\n/);
  const holder = list.find((block) => block.split('\n').includes(`branch refs/heads/${branch}`));
  if (holder === undefined) await gitIn(repo, ['update-ref', `refs/heads/${branch}`, after, before]);
  else await gitIn(holder.split('\n')[0]!.slice('worktree '.length), ['reset', '--quiet', '--keep', after]);
}

/**
 * Rebases origin's `branch` onto origin's `onto`, leaving out the commits of `oldBase` (the merged
 * blocker's branch, when origin still has it: a squash merge put its work in `onto` under other
 * hashes), and pushes it. `gone`: origin has no such branch.
 */
export async function rebaseStackedBranch(repo: string, branch: string, onto: string, oldBase: string): Promise<StackRebase> {
  const fetch = (name: string) =>
    gitIn(repo, ['fetch', '--quiet', '--no-tags', 'origin', '--end-of-options', `+refs/heads/${name}:refs/remotes/origin/${name}`]);
  if ((await fetch(branch)).code !== 0) return { kind: 'gone' };
  await must(repo, ['fetch', '--quiet', '--no-tags', 'origin', '--end-of-options', `+refs/heads/${onto}:refs/remotes/origin/${onto}`]);
  const hasOldBase = (await fetch(oldBase)).code === 0;
  const head = await must(repo, ['rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`]);
  const dir = await mkdtemp(join(tmpdir(), 'hw-stack-rebase-'));
  const worktree = join(dir, 'work');
  try {
    await must(repo, ['worktree', 'add', '--quiet', '--detach', worktree, head]);
    const upstream = hasOldBase
      ? ['--onto', `refs/remotes/origin/${onto}`, `refs/remotes/origin/${oldBase}`]
      : [`refs/remotes/origin/${onto}`];
    const rebased = await gitIn(worktree, [...(await committer(repo)), 'rebase', '--quiet', ...upstream]);
    if (rebased.code !== 0) {
      const files = (await gitIn(worktree, ['diff', '--name-only', '--diff-filter=U'])).out.split('\n').filter(Boolean);
      await gitIn(worktree, ['rebase', '--abort']);
      return files.length > 0 ? { kind: 'conflict', files } : { kind: 'failed', message: rebased.out.split('\n').slice(-3).join(' ') };
    }
    const commit = await must(worktree, ['rev-parse', 'HEAD']);
    if (commit !== head) {
      await must(worktree, ['push', '--quiet', `--force-with-lease=refs/heads/${branch}:${head}`, 'origin', `HEAD:refs/heads/${branch}`]);
      await followRebase(repo, branch, head, commit);
    }
    return { kind: 'rebased', commit };
  } finally {
    await gitIn(repo, ['worktree', 'remove', '--force', worktree]);
    await rm(dir, { recursive: true, force: true });
    await gitIn(repo, ['worktree', 'prune']);
  }
}
