import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { isClaudeCommand } from '../worker/select-agent.js';
import { splitWords } from '../core/split-words.js';
import { findOnPath } from '../core/find-on-path.js';

export interface DependencySpec {
  readonly name: string;
  /**
   * argv that prints the version; undefined: only looked up on PATH, never run (an agent
   * command of the user's may do anything with `--version`, such as commit).
   */
  readonly versionArgv?: readonly string[];
  /** Oldest version known to work, or undefined when any version does. */
  readonly minimum?: string;
  /** Not having it changes what setup does instead of stopping it. */
  readonly required: boolean;
  readonly purpose: string;
  readonly install: { readonly apt?: string; readonly brew?: string; readonly cargo?: string; readonly npm?: string };
}

export type DependencyStatus =
  | { readonly spec: DependencySpec; readonly state: 'ok'; readonly version: string | null }
  | { readonly spec: DependencySpec; readonly state: 'missing' }
  | { readonly spec: DependencySpec; readonly state: 'too-old'; readonly version: string };

/**
 * tmux 3.0 brought pane options (@worker_id) and per-pane remain-on-exit; worktree remove is git 2.17.
 * Pueue 3.3: the adapter uses `add --priority` and `group --json` (3.2) and `kill -s SIGTERM`
 * (3.3) for a graceful stop (docs/PUEUE.md section 1).
 */
export function dependencySpecs(agentCommand: string): DependencySpec[] {
  const agent = splitWords(agentCommand)[0] ?? agentCommand;
  return [
    {
      name: 'tmux',
      versionArgv: ['tmux', '-V'],
      minimum: '3.0',
      required: true,
      purpose: 'worker panes',
      install: { apt: 'apt-get install tmux', brew: 'brew install tmux' },
    },
    {
      name: 'git',
      versionArgv: ['git', '--version'],
      minimum: '2.17',
      required: true,
      purpose: 'worktrees',
      install: { apt: 'apt-get install git', brew: 'brew install git' },
    },
    {
      name: agent,
      ...(isClaudeCommand(agentCommand) ? { versionArgv: [agent, '--version'] } : {}),
      required: true,
      purpose: 'the agent (WORKER_AGENT_CMD)',
      install: agent === 'claude' ? { npm: 'npm install -g @anthropic-ai/claude-code' } : {},
    },
    {
      name: 'pueue',
      versionArgv: ['pueue', '--version'],
      minimum: '3.3',
      required: false,
      purpose: 'the persistent queue',
      install: { cargo: 'cargo install pueue --locked', brew: 'brew install pueue' },
    },
    {
      name: 'pueued',
      versionArgv: ['pueued', '--version'],
      minimum: '3.3',
      required: false,
      purpose: 'the queue daemon',
      install: { cargo: 'cargo install pueue --locked', brew: 'brew install pueue' },
    },
    {
      name: 'gh',
      versionArgv: ['gh', '--version'],
      required: false,
      purpose: 'pull requests (optional)',
      install: { apt: 'apt-get install gh', brew: 'brew install gh' },
    },
  ];
}

/** The first dotted version number in a tool's `--version` output. */
export function parseVersion(output: string): string | null {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(output)?.[1] ?? null;
}

export function isAtLeast(version: string, minimum: string): boolean {
  const have = version.split('.').map(Number);
  const need = minimum.split('.').map(Number);
  for (let index = 0; index < Math.max(have.length, need.length); index += 1) {
    const difference = (have[index] ?? 0) - (need[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

export function installHint(spec: DependencySpec): string {
  const ways = Object.entries(spec.install).map(([tool, command]) => `${tool}: ${command}`);
  return ways.length === 0 ? 'install it or set WORKER_AGENT_CMD' : ways.join('; ');
}

export function judgeDependency(spec: DependencySpec, versionOutput: string | undefined): DependencyStatus {
  if (versionOutput === undefined) return { spec, state: 'missing' };
  const version = parseVersion(versionOutput);
  if (spec.minimum !== undefined && version !== null && !isAtLeast(version, spec.minimum)) return { spec, state: 'too-old', version };
  return { spec, state: 'ok', version };
}

/** A version probe is a quick answer or none: a tool still talking after this is taken as missing. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Runs each tool's version command with the given PATH, in a temporary directory of its own
 * with stdin closed, so nothing it does lands in the user's checkout; a tool that cannot start
 * or answer in time is missing. A tool without a version command is only looked up on PATH.
 */
export async function checkDependencies(
  specs: readonly DependencySpec[],
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): Promise<DependencyStatus[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'hw-setup-probe-'));
  try {
    return await Promise.all(
      specs.map(async (spec) => {
        if (spec.versionArgv === undefined)
          return (await findOnPath(spec.name, env, cwd)) === undefined
            ? judgeDependency(spec, undefined)
            : { spec, state: 'ok' as const, version: null };
        const [file, ...args] = spec.versionArgv;
        // A relative program path means the user's cwd, not the scratch directory.
        const program = (await findOnPath(file!, env, cwd)) ?? file!;
        const result = await execa(program, args, {
          cwd: scratch,
          env,
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
          timeout: PROBE_TIMEOUT_MS,
        });
        return judgeDependency(spec, result.exitCode === 0 ? `${result.stdout}\n${result.stderr}` : undefined);
      }),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
