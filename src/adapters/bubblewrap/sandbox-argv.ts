import { dirname, join, posix } from 'node:path';
import { NET_BRIDGE_SCRIPT } from './net-bridge.js';

/**
 * The bubblewrap command line that runs one agent attempt inside the boundary of docs/SPEC.md
 * section 15. Pure: every path is decided by the caller (which checks what exists); this only
 * orders the mounts, later ones over earlier ones, as bwrap applies them.
 */
export interface SandboxPlan {
  /** The bwrap program. */
  readonly bwrap: string;
  /** System directories shown read-only at their own paths (/usr, /etc, ...). */
  readonly systemDirs: readonly string[];
  /** The user's home: an empty private tmpfs in the sandbox. */
  readonly home: string;
  /** Shown read-only: the agent's program, its interpreters and toolchains, SANDBOX_RO_PATHS. */
  readonly readOnly: readonly string[];
  /** Files inside shown directories that read as empty (a toolchain's registry credentials). */
  readonly hidden: readonly string[];
  /** Shown writable: the agent's own state (its login may refresh there). */
  readonly writable: readonly string[];
  readonly worktree: string;
  readonly git: GitBoundary;
  /** Always its own network namespace: only its own loopback, and the filtering proxy when one is given. */
  readonly network: 'none' | SandboxProxy;
  /** Names (or `PREFIX_*` patterns) of the variables the agent keeps; all others are removed. */
  readonly keepEnv: readonly string[];
  /** Variables set in the sandbox (never secrets: they are visible in the process list). */
  readonly setEnv: Readonly<Record<string, string>>;
  /** Running as root: drop every capability so the read-only mounts cannot be remounted. */
  readonly root: boolean;
}

/** The way out through the worker's filtering proxy (docs/SPEC.md section 15.4). */
export interface SandboxProxy {
  /** The proxy's unix socket; its directory is shown read-only, so a restarted worker's new socket is seen. */
  readonly socket: string;
  /** The node that runs the bridge inside (it must be visible there). */
  readonly node: string;
  /** NO_PROXY inside. */
  readonly noProxy: string;
}

/**
 * The repository's git directory is read-only but for what a commit on the task's own branch
 * needs: the object store, the worktree's admin directory (index, HEAD), and the branch's ref,
 * which lives in `refDir`, a directory of the worker's shown in place of the branch's own ref
 * directory (it holds that one ref, so no other branch is there to move) and copied back by the
 * worker after the run.
 */
export interface GitBoundary {
  /** `<repo>/.git`, the common directory. */
  readonly commonDir: string;
  /** `<repo>/.git/worktrees/<name>`. */
  readonly adminDir: string;
  /** The task's branch, e.g. `subissue/1-200`: it must have a directory part (refs/heads itself is never replaced). */
  readonly branch: string;
  /** The worker's directory holding the branch's ref file. */
  readonly refDir: string;
}

/** Where a branch's loose ref and its reflog sit in the git directory, and the ref's file name. */
export function branchRefPlaces(commonDir: string, branch: string): { refParent: string; logParent: string; leaf: string } {
  const ref = posix.join('refs/heads', branch);
  return { refParent: join(commonDir, dirname(ref)), logParent: join(commonDir, 'logs', dirname(ref)), leaf: posix.basename(ref) };
}

/**
 * Removes every variable not named by the arguments before `--`, then runs the rest. It runs
 * before bwrap, not inside: bwrap's own process is the sandbox's pid 1, whose environment the
 * agent can read, so bwrap must never hold what the agent may not see. A shell, so the values
 * never appear as arguments (which every user sees in `ps`). A name is read from each `NAME=`
 * line of `env`; a value spanning lines may add a false name, which is only removed too.
 */
export const ENV_FILTER_SCRIPT = [
  'set -f',
  'keep=',
  'while [ "$1" != -- ]; do keep="$keep $1"; shift; done',
  'shift',
  'for name in $(env | sed -n "s/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p"); do',
  '  kept=',
  '  for pattern in $keep; do case $name in $pattern) kept=1 ;; esac; done',
  '  [ -n "$kept" ] || unset "$name" 2> /dev/null',
  'done',
  'exec "$@"',
].join('\n');

/** The whole argv: the environment filter, bwrap with its mounts and namespaces, then `inner`. */
export function sandboxArgv(plan: SandboxPlan, inner: readonly string[]): string[] {
  const args: string[] = ['/bin/sh', '-c', ENV_FILTER_SCRIPT, 'sandbox-env', ...plan.keepEnv, '--', plan.bwrap];
  const add = (...words: string[]) => args.push(...words);
  for (const dir of plan.systemDirs) add('--ro-bind', dir, dir);
  add('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', plan.home);
  for (const path of plan.readOnly) add('--ro-bind', path, path);
  for (const path of plan.hidden) add('--ro-bind', '/dev/null', path);
  for (const path of plan.writable) add('--bind', path, path);
  const { git } = plan;
  const { refParent, logParent } = branchRefPlaces(git.commonDir, git.branch);
  add('--ro-bind', git.commonDir, git.commonDir);
  add('--bind', join(git.commonDir, 'objects'), join(git.commonDir, 'objects'));
  add('--bind', git.adminDir, git.adminDir);
  // The admin directory's pointers stay as they are: the worker's own git reads them after the run.
  for (const pointer of ['commondir', 'gitdir']) add('--ro-bind-try', join(git.adminDir, pointer), join(git.adminDir, pointer));
  add('--bind', git.refDir, refParent);
  // The branch's reflog is the sandbox's own, thrown away: the shared log directory stays read-only.
  add('--tmpfs', logParent);
  add('--bind', plan.worktree, plan.worktree);
  // The worktree's `.git` file points the worker's own git at the git directory: the agent may not repoint it.
  add('--ro-bind', join(plan.worktree, '.git'), join(plan.worktree, '.git'));
  add('--remount-ro', '/');
  const proxy = plan.network === 'none' ? undefined : plan.network;
  if (proxy) add('--ro-bind', dirname(proxy.socket), dirname(proxy.socket));
  add('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net');
  add('--die-with-parent', '--new-session');
  if (plan.root) add('--cap-drop', 'ALL');
  for (const [name, value] of Object.entries(plan.setEnv)) add('--setenv', name, value);
  if (proxy) add('--setenv', 'NO_PROXY', proxy.noProxy, '--setenv', 'no_proxy', proxy.noProxy);
  add('--chdir', plan.worktree, '--');
  if (proxy) add(proxy.node, '-e', NET_BRIDGE_SCRIPT, proxy.socket);
  add(...inner);
  return args;
}

/** Variables any agent keeps: where programs are, language and terminal, the task's own facts come on top. */
export const BASE_KEEP_ENV: readonly string[] = ['PATH', 'LANG', 'LANGUAGE', 'LC_*', 'TERM', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'NO_COLOR'];

/** Claude Code also keeps its own configuration and the model API's credentials and address. */
export const CLAUDE_KEEP_ENV: readonly string[] = [
  'ANTHROPIC_*',
  'CLAUDE_*',
  'DISABLE_*',
  'MCP_*',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
];
