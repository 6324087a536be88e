import { z } from 'zod';
import { parseByteSize } from './byte-size.js';
import { parseDurationMs } from './duration.js';
import { WorkersError, errnoCode, isWorkersError } from './errors.js';
import { readDataFileSync } from './fs-safe.js';

interface SettingDefinition<T> {
  readonly fallback: T;
  /** Words for the error message: what values are accepted. */
  readonly accepts: string;
  /** Built only for a value that is set: most settings keep their default, and a short command
   * should not pay for building every schema. */
  readonly schema: () => z.ZodType<T, z.ZodTypeDef, unknown>;
}

const SECOND = 1000;

function duration(fallbackSeconds: number, minMs: number, maxMs: number): SettingDefinition<number> {
  const range = `a duration from ${minMs / SECOND} s to ${maxMs / SECOND} s (seconds, or with a unit such as 500ms, 15m)`;
  return {
    fallback: fallbackSeconds * SECOND,
    accepts: range,
    schema: () =>
      z
        .unknown()
        .transform((value) => parseDurationMs(value))
        .pipe(z.number().min(minMs).max(maxMs)),
  };
}

function count(fallback: number, min: number, max: number): SettingDefinition<number> {
  return {
    fallback,
    accepts: `a whole number from ${min} to ${max}`,
    schema: () =>
      z
        .unknown()
        .transform((value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value))
        .pipe(z.number().int().min(min).max(max)),
  };
}

function flag(fallback: boolean): SettingDefinition<boolean> {
  return {
    fallback,
    accepts: 'true or false',
    schema: () =>
      z
        .unknown()
        .transform((value) =>
          typeof value === 'string'
            ? (({ true: true, false: false } as Record<string, boolean>)[value.trim().toLowerCase()] ?? value)
            : value,
        )
        .pipe(z.boolean()),
  };
}

function byteSize(fallback: number, min: number, zero = ''): SettingDefinition<number> {
  return {
    fallback,
    accepts: `a size in bytes of at least ${min} such as 500M or 2G${zero}`,
    schema: () =>
      z
        .unknown()
        .transform((value) => parseByteSize(value))
        .pipe(z.number().int().min(min)),
  };
}

function word(fallback: string, pattern: RegExp, accepts: string): SettingDefinition<string> {
  return { fallback, accepts, schema: () => z.string().regex(pattern) };
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HOUR = 3600 * SECOND;

/** docs/SPEC.md section 4: every setting, its default and its accepted range. Durations are milliseconds. */
export const SETTING_DEFINITIONS = {
  HEARTBEAT_INTERVAL: duration(5, 100, HOUR),
  HEALTH_CHECK_INTERVAL: duration(10, 100, HOUR),
  DEAD_WORKER_THRESHOLD: duration(30, 1 * SECOND, 24 * HOUR),
  SLOW_TASK_THRESHOLD: duration(900, 1 * SECOND, 7 * 24 * HOUR),
  MAX_RETRIES: count(3, 1, 100),
  RETRY_DELAY: duration(5, 0, HOUR),
  TASK_TIMEOUT: duration(3600, 1 * SECOND, 7 * 24 * HOUR),
  CHECK_INTERVAL: duration(10, 100, HOUR),
  RESTART_DELAY: duration(5, 0, HOUR),
  MAX_RESTART_ATTEMPTS: count(5, 1, 1000),
  /** A worker that dies sooner than this after a (re)start counts as an unstable restart. */
  RESTART_MIN_UPTIME: duration(10, 0, HOUR),
  /** A worker up for this long has its consecutive-restart count reset. */
  RESTART_STABLE_PERIOD: duration(60, 0, 24 * HOUR),
  WORKER_BACKEND: {
    fallback: 'auto',
    accepts: 'one of auto, pueue, embedded, postgres',
    schema: () => z.enum(['auto', 'pueue', 'embedded', 'postgres']),
  } satisfies SettingDefinition<'auto' | 'pueue' | 'embedded' | 'postgres'>,
  /** This host's name in a shared (postgres) queue; empty: the machine's host name. */
  WORKER_HOST: word('', /^[A-Za-z0-9_.-]{0,64}$/, 'a host name of letters, digits, _ . - (empty for the machine name)'),
  /** How long a postgres claim stays this worker's without a heartbeat; 0: twice DEAD_WORKER_THRESHOLD. */
  LEASE_TIMEOUT: duration(0, 0, 7 * 24 * HOUR),
  /** An idle postgres worker's look at the queue when no NOTIFY woke it (the safety net). */
  POSTGRES_POLL_INTERVAL: duration(2, 100, HOUR),
  WORKER_AGENT_CMD: word('claude', /^\S.{0,4095}$/s, 'a non-empty command'),
  WORKERS_SESSION: word('claude-workers', NAME, 'a tmux session name of letters, digits, _ . -'),
  MONITOR_SESSION: word('claude-monitor', NAME, 'a tmux session name of letters, digits, _ . -'),
  WORKERS_TMUX_SOCKET: word('', /^[A-Za-z0-9_.-]{0,64}$/, 'a tmux socket name of letters, digits, _ . - (empty for the default)'),
  LOCK_STALE_TIMEOUT: duration(5, 2 * SECOND, 600 * SECOND),
  PUEUE_GROUP: word('subissues', /^[A-Za-z0-9_-]{1,64}$/, 'a Pueue group name of letters, digits, _ -'),
  CLAUDE_MODEL: word('', /^[A-Za-z0-9_.:[\]-]{0,128}$/, 'a model alias or id such as sonnet (empty for the CLI default)'),
  CLAUDE_PERMISSION_MODE: {
    fallback: 'acceptEdits',
    accepts: 'one of default, acceptEdits, plan, auto, dontAsk, bypassPermissions',
    schema: () => z.enum(['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions']),
  } satisfies SettingDefinition<'default' | 'acceptEdits' | 'plan' | 'auto' | 'dontAsk' | 'bypassPermissions'>,
  /**
   * Least privilege: the agent reads untrusted issue text, so it may edit files and make local
   * commits, nothing that reaches the network (no gh, no git push: the worker pushes).
   */
  CLAUDE_ALLOWED_TOOLS: word(
    'Read,Edit,Write,Glob,Grep,Bash(git add *),Bash(git commit *),Bash(git status *),Bash(git status),Bash(git diff *),Bash(git diff),Bash(git log *),Bash(git log),Bash(git show *)',
    /^[^\n]{0,4096}$/,
    'comma-separated permission rules such as Write,Bash(git *)',
  ),
  CLAUDE_MAX_TURNS: count(0, 0, 100_000),
  CLAUDE_MAX_BUDGET_USD: {
    fallback: 0,
    accepts: 'a cost in USD such as 5 or 0.5 (0 for no budget)',
    schema: () =>
      z
        .unknown()
        .transform((value) => (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value))
        .pipe(z.number().min(0).max(100_000)),
  } satisfies SettingDefinition<number>,
  CLAUDE_CONFIG_DIR_TEMPLATE: word(
    '',
    /^[^\n]{0,1024}$/,
    'a directory path, {worker} stands for the worker id (empty to share the default)',
  ),
  CLAUDE_PROMPT_TEMPLATE: word(
    '',
    /^.{0,16384}$/s,
    'a prompt text with {subissue}, {parent}, {branch}, {baseBranch} placeholders (empty for the default)',
  ),
  PROGRESS_STALL_THRESHOLD: duration(900, 1 * SECOND, 7 * 24 * HOUR),
  /** A run silent for this many times PROGRESS_STALL_THRESHOLD is stopped and retried (0: never). */
  STALL_STOP_FACTOR: count(2, 0, 100),
  /** Stalled attempts of one task before it fails for a person. */
  STALL_MAX_RETRIES: count(2, 1, 100),
  /** Below this much free space (the repository's or the data root's disk) no worker claims. */
  MIN_FREE_DISK: byteSize(1024 ** 3, 0, ' (0 for no floor)'),
  /** health.log, alerts.log, manager.log and the errors logs are rotated past this size. */
  LOG_MAX_BYTES: byteSize(10 * 1024 ** 2, 1024),
  /** Rotated files kept per log (the newest plain, the older ones gzipped). */
  LOG_KEEP: count(5, 1, 100),
  /** Run files (output, runner records) of tasks not in play are removed after this many days. */
  RUNS_KEEP_DAYS: count(14, 0, 3650),
  /** How often the manager removes finished tasks' worktrees and old run files. */
  GC_INTERVAL: duration(3600, 10 * SECOND, 7 * 24 * HOUR),
  /** `<repo>/.worktrees` over this size: no worker claims (0: no budget). */
  WORKTREES_MAX_BYTES: byteSize(0, 0, ' (0 for no budget)'),
  USAGE_PAUSE_JITTER: duration(30, 0, HOUR),
  /** Notifications (the manager sends them): a JSON POST target, a command given the event on stdin, desktop popups. */
  NOTIFY_WEBHOOK_URL: word('', /^(https?:\/\/\S{1,2040})?$/, 'an http:// or https:// URL (empty for none)'),
  NOTIFY_COMMAND: word('', /^[^\n]{0,4096}$/, 'a command (words, no shell; empty for none)'),
  NOTIFY_DESKTOP: {
    fallback: 'auto',
    accepts: 'one of auto (notify-send when it is installed and a desktop session is open), true, false',
    schema: () => z.enum(['auto', 'true', 'false']),
  } satisfies SettingDefinition<'auto' | 'true' | 'false'>,
  NOTIFY_EVENTS: word('all', /^[a-z_,\s]{1,512}$/, 'all, or a comma-separated list of event names such as worker_dead,task_failed'),
  /** Events of one kind within this window become one message; a message leaves at most this long after its first event. */
  NOTIFY_COALESCE: duration(10, 0, HOUR),
  /** Messages per minute, all sinks together; more wait for the next minute (and coalesce meanwhile). */
  NOTIFY_RATE_LIMIT: count(20, 1, 10_000),
  /** A retry after a crash, timeout or usage-limit pause continues the agent's session (`--resume`). */
  CLAUDE_RESUME: flag(true),
  /** GitHub mode: one comment on the sub-issue with the link of the pull request the worker opened. */
  GITHUB_COMMENT: flag(false),
} as const;

export type SettingName = keyof typeof SETTING_DEFINITIONS;
export type Settings = {
  readonly [K in SettingName]: (typeof SETTING_DEFINITIONS)[K] extends SettingDefinition<infer T> ? T : never;
};

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  Object.entries(SETTING_DEFINITIONS).map(([name, definition]) => [name, definition.fallback]),
) as Settings;

const configFileSchema = z.record(z.unknown());

/** Reads config.json; a missing file is no settings, a broken one is a ConfigError. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readDataFileSync(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return {};
    if (isWorkersError(error)) throw error;
    throw new WorkersError('config', `Cannot read the settings file ${path}: ${(error as Error).message}.`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WorkersError('config', `The settings file ${path} is not valid JSON; fix it or remove it.`);
  }
  const result = configFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new WorkersError('config', `The settings file ${path} must hold a JSON object of setting names and values.`);
  }
  return result.data;
}

/**
 * Settings are defaults < config.json < environment (docs/SPEC.md section 4). Unknown keys in config.json
 * are ignored so a newer file still works with an older toolkit.
 */
export function resolveSettings(config: Record<string, unknown>, env: NodeJS.ProcessEnv, configPath = 'config.json'): Settings {
  const resolved: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(SETTING_DEFINITIONS) as [SettingName, SettingDefinition<unknown>][]) {
    const fromEnv = env[name];
    const [raw, source] =
      fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, 'environment variable']
        : name in config
          ? [config[name], `setting in ${configPath}`]
          : [undefined, 'default'];
    if (raw === undefined) {
      resolved[name] = definition.fallback;
      continue;
    }
    const result = definition.schema().safeParse(raw);
    if (!result.success) {
      throw new WorkersError('config', `The ${source} ${name}=${JSON.stringify(raw)} is invalid: use ${definition.accepts}.`);
    }
    resolved[name] = result.data;
  }
  return resolved as Settings;
}

export function loadSettings(configPath: string, env: NodeJS.ProcessEnv): Settings {
  return resolveSettings(readConfigFile(configPath), env, configPath);
}
