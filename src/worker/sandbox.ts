import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sandboxedArgv, type SandboxHost } from '../adapters/bubblewrap/host-plan.js';
import { probeSandbox } from '../adapters/bubblewrap/probe.js';
import { branchRefPlaces } from '../adapters/bubblewrap/sandbox-argv.js';
import { getBranchCommit, getGitCommonDir, getGitIdentity, getWorktreeGitDir, moveBranch } from '../adapters/git.js';
import { WorkersError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import type { RunSpec } from '../queue/backend.js';
import type { Runtime } from './runtime.js';
import { allowedHosts, parseHostList, proxyFor, type SandboxRunKind } from './sandbox-network.js';
import type { TaskState } from './worker-state.js';

/** The worker's decision at start: the sandbox it runs agents in, or none, and the line that says so. */
export interface SandboxChoice {
  readonly host?: SandboxHost;
  readonly line: string;
}

const splitList = (text: string, separator: string | RegExp) =>
  text
    .split(separator)
    .map((part) => part.trim())
    .filter(Boolean);

/**
 * SANDBOX=auto|on|off (docs/SPEC.md section 15), decided once per worker start: `on` without a
 * sandbox is a config error naming the fix; `auto` without one runs as before and says so.
 */
export async function chooseSandbox(
  settings: Pick<Settings, 'SANDBOX' | 'SANDBOX_RO_PATHS' | 'SANDBOX_ALLOW_HOSTS' | 'SANDBOX_SETUP_HOSTS'>,
  env: Readonly<Record<string, string | undefined>>,
  repo: string,
  platform: string,
  uid: number,
): Promise<SandboxChoice> {
  // A bad host list is a config error even where no sandbox is made.
  parseHostList('SANDBOX_SETUP_HOSTS', settings.SANDBOX_SETUP_HOSTS);
  if (settings.SANDBOX === 'off') return { line: "sandbox: off (SANDBOX=off): the agent runs with your user's full access" };
  const probe = await probeSandbox(env, platform);
  if (!probe.available) {
    if (settings.SANDBOX === 'on') throw new WorkersError('config', `SANDBOX=on but ${probe.why}: ${probe.fix}, or set SANDBOX=auto.`);
    return { line: `sandbox: not in use, ${probe.why}; the agent runs with your user's full access: ${probe.fix}` };
  }
  const allowHosts = parseHostList('SANDBOX_ALLOW_HOSTS', settings.SANDBOX_ALLOW_HOSTS);
  const identity = await getGitIdentity(repo);
  const host: SandboxHost = {
    bwrap: probe.bwrap,
    env,
    roPaths: splitList(settings.SANDBOX_RO_PATHS, ':'),
    allowHosts,
    node: process.execPath,
    root: uid === 0,
    ...(identity ? { identity } : {}),
  };
  const listed = settings.SANDBOX_ALLOW_HOSTS.split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .join(', ');
  const network = listed === '' ? 'no network' : `only ${listed} (SANDBOX_ALLOW_HOSTS)`;
  return {
    host,
    line: `sandbox: in use (bubblewrap ${probe.bwrap}); network through a filtering proxy: a command agent reaches ${network}, Claude Code also its model API`,
  };
}

/** The worker's own directory for the task's branch ref while a sandboxed run may move it. */
const refDirOf = (rt: Runtime, ts: TaskState) => join(rt.paths.root, 'sandbox', `worker-${rt.workerId}`, `task-${ts.subissue}`);

/**
 * The run inside the sandbox: the branch's ref is copied to the worker's ref directory, shown
 * in place of the branch's own ref directory, and the mount points are made. `command`: a
 * project command (WORKER_SETUP_CMD, WORKER_VERIFY_CMD) rather than the agent, with its own network.
 */
export async function sandboxRun(rt: Runtime, ts: TaskState, run: RunSpec, command?: 'setup' | 'verify'): Promise<RunSpec> {
  const host = rt.sandbox;
  if (host === undefined) return run;
  if (!ts.branch.includes('/')) throw new Error(`the branch ${ts.branch} has no directory part for the sandbox's ref`);
  const commonDir = await getGitCommonDir(rt.repo);
  const adminDir = await getWorktreeGitDir(ts.worktree);
  const { refParent, logParent, leaf } = branchRefPlaces(commonDir, ts.branch);
  const refDir = refDirOf(rt, ts);
  const start = await getBranchCommit(rt.repo, ts.branch);
  await rm(refDir, { recursive: true, force: true });
  await mkdir(join(refDir, 'ref'), { recursive: true });
  await writeFile(join(refDir, 'start'), `${start}\n`);
  await writeFile(join(refDir, 'ref', leaf), `${start}\n`);
  await Promise.all([mkdir(refParent, { recursive: true }), mkdir(logParent, { recursive: true })]);
  // Claude's state directory is bound writable only if it exists: made here, so a first run's
  // session (which a restarted worker resumes) is kept outside the throwaway home.
  const claudeState = run.env.CLAUDE_CONFIG_DIR;
  const claude = command === undefined && rt.agent.name === 'claude';
  const kind: SandboxRunKind = command ?? (claude ? 'claude' : 'command');
  const rules = allowedHosts(host, kind, parseHostList('SANDBOX_SETUP_HOSTS', rt.settings.SANDBOX_SETUP_HOSTS));
  const proxy = rules.length === 0 ? undefined : { socket: await proxyFor(rt, rules), rules };
  if (claude && claudeState !== undefined) await mkdir(claudeState, { recursive: true, mode: 0o700 });
  // The usage report is bound writable only if it exists (an empty file reports nothing).
  if (run.env.AGENT_USAGE_FILE !== undefined) await writeFile(run.env.AGENT_USAGE_FILE, '', { mode: 0o600, flag: 'w' });
  const argv = sandboxedArgv(host, {
    argv: run.argv,
    env: run.env,
    worktree: ts.worktree,
    git: { commonDir, adminDir, branch: ts.branch, refDir: join(refDir, 'ref') },
    claude,
    ...(proxy ? { proxy } : {}),
  });
  return { ...run, argv };
}

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * After a sandboxed run: the branch moves to where the agent left its ref, if that is a commit
 * and the branch has not moved meanwhile. Anything else it wrote there (other refs) is dropped.
 */
export async function collectSandboxedBranch(rt: Runtime, ts: TaskState): Promise<void> {
  const refDir = refDirOf(rt, ts);
  if (!existsSync(join(refDir, 'start'))) return;
  const { leaf } = branchRefPlaces('', ts.branch);
  const start = (await readFile(join(refDir, 'start'), 'utf8')).trim();
  const end = (await readFile(join(refDir, 'ref', leaf), 'utf8').catch(() => '')).trim();
  if (end !== start && COMMIT.test(end) && COMMIT.test(start)) await moveBranch(rt.repo, ts.branch, end, start);
  await rm(refDir, { recursive: true, force: true });
}

/** After a project command in the sandbox: its ref copy goes, and the branch stays where it was. */
export async function dropSandboxedRef(rt: Runtime, ts: TaskState): Promise<void> {
  await rm(refDirOf(rt, ts), { recursive: true, force: true });
}
