import { randomUUID } from 'node:crypto';
import { usageError } from '../../core/errors.js';

export type PermissionMode = 'default' | 'acceptEdits' | 'plan' | 'auto' | 'dontAsk' | 'bypassPermissions';

/** Everything one `claude -p` run needs; settings arrive already validated. */
export interface ClaudeRunOptions {
  /** undefined: the prompt comes on stdin. */
  readonly prompt: string | undefined;
  /** `claude` unless the CLI lives elsewhere. */
  readonly program?: string;
  /** A new conversation under this id, or the continuation of an earlier one. */
  readonly session: { readonly kind: 'new'; readonly id: string } | { readonly kind: 'resume'; readonly id: string };
  /** Empty for the CLI's default model. */
  readonly model?: string;
  readonly permissionMode: PermissionMode;
  /** Permission rules such as `Write` or `Bash(git *)`. */
  readonly allowedTools: readonly string[];
  /** 0 or absent: no limit. */
  readonly maxTurns?: number;
  /** 0 or absent: no budget. */
  readonly maxBudgetUsd?: number;
  /** A private CLI state directory (transcripts, .claude.json) for this worker. */
  readonly configDir?: string;
}

export interface ClaudeInvocation {
  readonly argv: readonly string[];
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly sessionId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A fresh session for a task's first attempt; the CLI insists on a UUID. */
export const newSession = (makeId: () => string = randomUUID) => ({ kind: 'new' as const, id: makeId() });

export const isSessionId = (value: string) => UUID.test(value);

/**
 * Inside the sandbox the boundary, not a prefix list, keeps the agent in (docs/SPEC.md section
 * 15.2): the default widens to Bash in general, so it may build and run the tests.
 */
export const SANDBOXED_ALLOWED_TOOLS: readonly string[] = ['Read', 'Edit', 'Write', 'Glob', 'Grep', 'Bash'];

/**
 * The tool list a run gets: the user's CLAUDE_ALLOWED_TOOLS when they set one (anything but the
 * default), else the default, widened inside the sandbox.
 */
export function allowedToolsFor(setting: string, defaultSetting: string, sandboxed: boolean): string[] {
  return sandboxed && setting.trim() === defaultSetting.trim() ? [...SANDBOXED_ALLOWED_TOOLS] : parseAllowedTools(setting);
}

/** Splits CLAUDE_ALLOWED_TOOLS (comma-separated rules; a rule's own spaces are kept). */
export function parseAllowedTools(setting: string): string[] {
  return setting
    .split(',')
    .map((rule) => rule.trim())
    .filter((rule) => rule !== '');
}

/** CLAUDE_CONFIG_DIR_TEMPLATE with `{worker}` replaced; empty means "share the default". */
export function configDirFor(template: string, workerId: number): string | undefined {
  return template === '' ? undefined : template.replaceAll('{worker}', String(workerId));
}

/**
 * argv for one non-interactive run. stream-json needs --verbose in print mode (docs/CLAUDE-CODE.md section 2).
 * The prompt goes last, after `--`, because --allowedTools takes several values and would
 * otherwise swallow it, and because a prompt may begin with a dash.
 */
export function buildClaudeInvocation(options: ClaudeRunOptions): ClaudeInvocation {
  if (!isSessionId(options.session.id)) {
    throw usageError(`The Claude session id ${JSON.stringify(options.session.id)} is not a UUID.`);
  }
  const argv = [options.program ?? 'claude', '-p', '--output-format', 'stream-json', '--verbose'];
  argv.push(options.session.kind === 'new' ? '--session-id' : '--resume', options.session.id);
  if (options.model) argv.push('--model', options.model);
  argv.push('--permission-mode', options.permissionMode);
  if (options.maxTurns) argv.push('--max-turns', String(options.maxTurns));
  if (options.maxBudgetUsd) argv.push('--max-budget-usd', String(options.maxBudgetUsd));
  if (options.allowedTools.length > 0) argv.push('--allowedTools', ...options.allowedTools);
  // Without a prompt argument, `claude -p` reads the prompt from stdin.
  if (options.prompt !== undefined) argv.push('--', options.prompt);
  const env: Record<string, string> = {
    // A worker must not update its own CLI mid-pool: the version is pinned (docs/CLAUDE-CODE.md section 1).
    DISABLE_AUTOUPDATER: '1',
  };
  if (options.configDir) env.CLAUDE_CONFIG_DIR = options.configDir;
  return { argv, env, sessionId: options.session.id };
}
