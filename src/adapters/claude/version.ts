import { execa } from 'execa';
import { WorkersError } from '../../core/errors.js';

/** The release docs/CLAUDE-CODE.md section 1 describes; scripts/install-claude.sh pins it too. */
export const KNOWN_GOOD_CLAUDE_VERSION = '2.1.332';

export interface ClaudeVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `claude --version` prints e.g. `2.1.332 (Claude Code)`; undefined for anything else. */
export function parseClaudeVersion(output: string): ClaudeVersion | undefined {
  const match = /^\s*v?(\d+)\.(\d+)\.(\d+)(?:[-+][\w.]+)?(?:\s|$)/.exec(output);
  if (!match) return undefined;
  const [, major, minor, patch] = match;
  return { text: `${major}.${minor}.${patch}`, major: Number(major), minor: Number(minor), patch: Number(patch) };
}

export type VersionCheck =
  | { readonly status: 'known-good'; readonly version: ClaudeVersion }
  /** Runs, but its messages and exit codes were not observed by us: parse fields, warn. */
  | { readonly status: 'untested'; readonly version: ClaudeVersion; readonly knownGood: string };

export function judgeVersion(version: ClaudeVersion, knownGood = KNOWN_GOOD_CLAUDE_VERSION): VersionCheck {
  return version.text === knownGood ? { status: 'known-good', version } : { status: 'untested', version, knownGood };
}

/** Runs `claude --version`; a missing or unrecognisable CLI is a `tool` error saying how to fix it. */
export async function checkClaudeVersion(program = 'claude', env?: Record<string, string>): Promise<VersionCheck> {
  const result = await execa(program, ['--version'], { reject: false, stdin: 'ignore', timeout: 15_000, ...(env ? { env } : {}) });
  if (result.failed && result.exitCode === undefined) {
    throw new WorkersError('tool', `Cannot run ${program} --version (${result.shortMessage}); install it with scripts/install-claude.sh.`);
  }
  const version = parseClaudeVersion(String(result.stdout));
  if (result.exitCode !== 0 || !version) {
    throw new WorkersError(
      'tool',
      `${program} --version answered ${JSON.stringify(String(result.stdout || result.stderr).slice(0, 200))}, not a version.`,
    );
  }
  return judgeVersion(version);
}

export const describeVersion = (check: VersionCheck) =>
  check.status === 'known-good'
    ? `claude ${check.version.text} (known to work)`
    : `claude ${check.version.text} (untested; known to work: ${check.knownGood})`;
