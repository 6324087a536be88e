import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, sep } from 'node:path';
import type { HostRule } from './filter-proxy.js';
import { noProxyFor } from './net-bridge.js';
import { BASE_KEEP_ENV, CLAUDE_KEEP_ENV, sandboxArgv, type GitBoundary, type SandboxPlan } from './sandbox-argv.js';

/** What a worker knows about its host once, at start (docs/SPEC.md section 15). */
export interface SandboxHost {
  readonly bwrap: string;
  /** The worker's environment (HOME and PATH are read from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** SANDBOX_RO_PATHS, split. */
  readonly roPaths: readonly string[];
  /** SANDBOX_ALLOW_HOSTS, parsed: every run may reach them through the filtering proxy. */
  readonly allowHosts: readonly HostRule[];
  /** The node that runs the proxy's bridge inside the sandbox (the worker's own). */
  readonly node: string;
  readonly root: boolean;
  /** The author of the agent's commits (the user's own git identity), if one is configured. */
  readonly identity?: { readonly name: string; readonly email: string };
}

export interface SandboxedRun {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly worktree: string;
  readonly git: GitBoundary;
  /** Claude Code: keeps its configuration and credentials. */
  readonly claude: boolean;
  /** The worker's filtering proxy for this run and the hosts it allows; absent: no network but the sandbox's loopback. */
  readonly proxy?: { readonly socket: string; readonly rules: readonly HostRule[] };
}

/** The system, read-only; everything else of the host's root is absent. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt', '/nix', '/snap'];
/** Files a toolchain keeps its registry credentials in, hidden when their toolchain is shown. */
const CREDENTIAL_FILES = ['credentials', 'credentials.toml', '.credentials.json'];

const isUnder = (path: string, dirs: readonly string[]) => dirs.some((dir) => path === dir || path.startsWith(dir + sep));

const real = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
};

/**
 * The toolchains on PATH outside the system: each entry, and for a `bin` or `shims` directory
 * its prefix (a version manager's node keeps its modules in `../lib`), never the home itself.
 */
export function toolchainPaths(pathVar: string, home: string): string[] {
  const found = new Set<string>();
  for (const entry of pathVar.split(delimiter)) {
    if (!isAbsolute(entry) || isUnder(entry, SYSTEM_DIRS)) continue;
    const name = basename(entry);
    const prefix = name === 'bin' || name === 'shims' ? dirname(entry) : entry;
    found.add(prefix === home || prefix === '/' ? entry : prefix);
  }
  return [...found];
}

/** The words of the agent's command that are files: its program (through links) and scripts. */
function programFiles(argv: readonly string[], pathVar: string): string[] {
  const files: string[] = [];
  const [program, ...rest] = argv;
  const located =
    program === undefined || program.includes('/')
      ? program
      : pathVar
          .split(delimiter)
          .map((dir) => join(dir, program))
          .find((file) => existsSync(file));
  for (const word of [located, ...rest]) {
    if (word === undefined || !isAbsolute(word) || !existsSync(word)) continue;
    files.push(word);
    const target = real(word);
    if (target !== undefined && target !== word) files.push(target);
  }
  return files;
}

/** Files the worker makes for the run and names in its environment: the prompt (read-only) and the usage report (writable). */
const RUN_INPUT_FILES = ['TASK_PROMPT_FILE'] as const;
const RUN_OUTPUT_FILES = ['AGENT_USAGE_FILE'] as const;
const namedFiles = (env: Readonly<Record<string, string>>, names: readonly string[]) =>
  names.flatMap((name) => (env[name] === undefined ? [] : [env[name]]));

/** The argv that runs `run` inside the sandbox; the caller has made `git.refDir` and the mount points. */
export function sandboxedArgv(host: SandboxHost, run: SandboxedRun): string[] {
  const home = host.env.HOME ?? '/root';
  const pathVar = host.env.PATH ?? '/usr/bin:/bin';
  const exists = (path: string) => existsSync(path);
  const inputs = namedFiles(run.env, RUN_INPUT_FILES);
  const bridge = run.proxy ? programFiles([host.node], pathVar) : [];
  const shown = [...toolchainPaths(pathVar, home), ...programFiles(run.argv, pathVar), ...bridge, ...inputs, ...host.roPaths].filter(
    (path) => isAbsolute(path) && exists(path),
  );
  const hidden = shown.flatMap((dir) => CREDENTIAL_FILES.map((file) => join(dir, file))).filter(exists);
  const writable = [
    ...(run.claude
      ? run.env.CLAUDE_CONFIG_DIR !== undefined
        ? [run.env.CLAUDE_CONFIG_DIR]
        : [join(home, '.claude'), join(home, '.claude.json')]
      : []),
    ...namedFiles(run.env, RUN_OUTPUT_FILES),
  ];
  const identity: Record<string, string> = host.identity
    ? {
        GIT_AUTHOR_NAME: host.identity.name,
        GIT_AUTHOR_EMAIL: host.identity.email,
        GIT_COMMITTER_NAME: host.identity.name,
        GIT_COMMITTER_EMAIL: host.identity.email,
      }
    : {};
  const plan: SandboxPlan = {
    bwrap: host.bwrap,
    systemDirs: SYSTEM_DIRS.filter(exists),
    home,
    readOnly: shown,
    hidden,
    writable: writable.filter(exists),
    worktree: run.worktree,
    git: run.git,
    network: run.proxy ? { socket: run.proxy.socket, node: host.node, noProxy: noProxyFor(run.proxy.rules) } : 'none',
    keepEnv: [...BASE_KEEP_ENV, ...(run.claude ? CLAUDE_KEEP_ENV : []), ...Object.keys(run.env)],
    setEnv: { HOME: home, TMPDIR: '/tmp', ...identity },
    root: host.root,
  };
  return sandboxArgv(plan, run.argv);
}
