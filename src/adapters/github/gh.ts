import { execa } from 'execa';
import { WorkersError } from '../../core/errors.js';
import { pushBranch } from '../git.js';

/*
 * The GitHub CLI through execa, argv arrays only: whether `gh` is ready, whether a branch has a
 * pull request, and opening the one an agent did not. A failure is an error that says what gh
 * said, never a silent "no": the worker classifies it (git_error) instead of calling the task
 * one for review.
 */

interface GhCall {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
}

const gh = (call: GhCall) => execa('gh', call.args, { cwd: call.cwd, reject: false, stdin: 'ignore', timeout: call.timeoutMs });

function ghFailed(call: GhCall, result: { readonly stderr: string; readonly shortMessage?: string }): WorkersError {
  const detail = result.stderr.trim() || result.shortMessage || 'no output';
  return new WorkersError('tool', `gh ${call.args.slice(0, 2).join(' ')} failed in ${call.cwd}: ${detail}`, { cause: result });
}

/** `gh` installed and logged in: then success means a pull request, not just commits. */
export async function isGhReady(cwd: string): Promise<boolean> {
  return (await gh({ cwd, args: ['auth', 'status'], timeoutMs: 15_000 })).exitCode === 0;
}

/** `gh pr view` exits 1 both for "no pull requests found" and for a failure: only the first is a no. */
export async function hasPullRequest(cwd: string, branch: string): Promise<boolean> {
  const call = { cwd, args: ['pr', 'view', branch, '--json', 'url'], timeoutMs: 30_000 };
  const result = await gh(call);
  if (result.exitCode === 0) return true;
  if (/no pull requests? found/i.test(result.stderr)) return false;
  throw ghFailed(call, result);
}

/**
 * Opens the pull request the agent did not: pushes the branch to origin and runs `gh pr create`
 * with the commits' messages. Answers whether a pull request exists afterwards; a failed push or
 * create throws.
 */
export async function ensurePullRequest(cwd: string, branch: string, base: string): Promise<boolean> {
  if (await hasPullRequest(cwd, branch)) return true;
  await pushBranch(cwd, branch);
  const call = { cwd, args: ['pr', 'create', '--fill', '--head', branch, '--base', base], timeoutMs: 60_000 };
  const created = await gh(call);
  if (created.exitCode !== 0) throw ghFailed(call, created);
  return hasPullRequest(cwd, branch);
}
