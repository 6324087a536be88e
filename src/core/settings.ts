import { z } from 'zod';
import { formatByteSize, parseByteSize } from './byte-size.js';
import { parseDurationMs } from './duration.js';
import { WorkersError, errnoCode, isWorkersError } from './errors.js';
import { readDataFileSync } from './fs-safe.js';
import { isWithheldFromAgents, parseNameList } from './agent-env.js';

/**
 * One setting. The fields after `fallback` are words for people: `accepts` for the error message
 * of an invalid value, the others for docs/SETTINGS.md, which `npm run settings:docs` writes from
 * this table (scripts/settings-table.mjs).
 */
export interface SettingDefinition<T> {
  readonly fallback: T;
  /** One or two sentences: what the setting does, its unit, what the default means. */
  readonly description: string;
  /** The default as a person writes it in config.json or the environment: `5s`, `1G`, `claude`, or empty. */
  readonly shownDefault: string;
  /** The accepted values, short: `100ms to 1h`. */
  readonly allowed: string;
  /** Words for the error message: what values are accepted. */
  readonly accepts: string;
  /** Built only for a value that is set: most settings keep their default, and a short command
   * should not pay for building every schema. */
  readonly schema: () => z.ZodType<T, z.ZodTypeDef, unknown>;
}

/** What a helper below builds; each entry of SETTING_DEFINITIONS adds its description. */
type SettingKind<T> = Omit<SettingDefinition<T>, 'description'>;

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

/** A duration as a setting takes it: `100ms`, `5s`, `15m`, `1h`, `168h (7 days)`. */
function durationText(ms: number): string {
  if (ms === 0) return '0';
  if (ms < SECOND || ms % SECOND !== 0) return `${ms}ms`;
  if (ms % HOUR === 0) return `${ms / HOUR}h${ms > DAY && ms % DAY === 0 ? ` (${ms / DAY} days)` : ''}`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / SECOND}s`;
}

function duration(fallbackSeconds: number, minMs: number, maxMs: number): SettingKind<number> {
  return {
    fallback: fallbackSeconds * SECOND,
    shownDefault: durationText(fallbackSeconds * SECOND),
    allowed: `${durationText(minMs)} to ${durationText(maxMs)}`,
    accepts: `a duration from ${minMs / SECOND} s to ${maxMs / SECOND} s (seconds, or with a unit such as 500ms, 15m)`,
    schema: () =>
      z
        .unknown()
        .transform((value) => parseDurationMs(value))
        .pipe(z.number().min(minMs).max(maxMs)),
  };
}

function count(fallback: number, min: number, max: number): SettingKind<number> {
  return {
    fallback,
    shownDefault: String(fallback),
    allowed: `${min} to ${max}`,
    accepts: `a whole number from ${min} to ${max}`,
    schema: () =>
      z
        .unknown()
        .transform((value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value))
        .pipe(z.number().int().min(min).max(max)),
  };
}

function flag(fallback: boolean): SettingKind<boolean> {
  return {
    fallback,
    shownDefault: String(fallback),
    allowed: 'true, false',
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

function byteSize(fallback: number, min: number, zero = ''): SettingKind<number> {
  const size = (bytes: number) => (bytes === 0 ? '0' : formatByteSize(bytes));
  return {
    fallback,
    shownDefault: size(fallback),
    allowed: `${size(min)} or more (bytes, or with K, M, G, T)`,
    accepts: `a size in bytes of at least ${min} such as 500M or 2G${zero}`,
    schema: () =>
      z
        .unknown()
        .transform((value) => parseByteSize(value))
        .pipe(z.number().int().min(min)),
  };
}

function choice<const V extends readonly [string, ...string[]]>(fallback: V[number], values: V): SettingKind<V[number]> {
  return {
    fallback,
    shownDefault: fallback,
    allowed: values.join(', '),
    accepts: `one of ${values.join(', ')}`,
    schema: () => z.enum(values),
  };
}

/** A cost in US dollars, 0 meaning no budget. */
function usd(): SettingKind<number> {
  return {
    fallback: 0,
    shownDefault: '0',
    allowed: '0 to 100000 (US dollars, such as 5 or 0.5)',
    accepts: 'a cost in USD such as 5 or 0.5 (0 for no budget)',
    schema: () =>
      z
        .unknown()
        .transform((value) => (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value))
        .pipe(z.number().min(0).max(100_000)),
  };
}

/** Whether `name` is a time zone this Node knows (an IANA name such as Europe/Paris, or UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.trim() !== '';
  } catch {
    return false;
  }
}

function word(fallback: string, pattern: RegExp, accepts: string): SettingKind<string> {
  return { fallback, shownDefault: fallback, allowed: accepts, accepts, schema: () => z.string().regex(pattern) };
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Comma-separated environment variable names; one no agent may get (isWithheldFromAgents) is refused. */
function nameList(): SettingKind<string> {
  const accepts =
    'comma-separated environment variable names, none of GH_*, GITHUB_*, WORKERS_DATABASE_URL, PG*, WORKERS_DASHBOARD_TOKEN or NOTIFY_*';
  return {
    fallback: '',
    shownDefault: '',
    allowed: 'comma-separated variable names',
    accepts,
    schema: () =>
      z
        .string()
        .refine((text) => parseNameList(text).every((name) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !isWithheldFromAgents(name))),
  };
}

/**
 * Every setting: its default, its accepted range and what it does (docs/SETTINGS.md is written
 * from here by `npm run settings:docs`). Durations are milliseconds.
 */
export const SETTING_DEFINITIONS = {
  HEARTBEAT_INTERVAL: {
    ...duration(5, 100, HOUR),
    description:
      "How often each worker writes its heartbeat (status, task, progress) to the health store; on postgres a heartbeat also renews its claim's lease.",
  },
  HEALTH_CHECK_INTERVAL: {
    ...duration(10, 100, HOUR),
    description: 'How often `worker-health-monitor monitor` looks at the workers and logs an ALERT when one turns dead or unresponsive.',
  },
  DEAD_WORKER_THRESHOLD: {
    ...duration(30, 1 * SECOND, 24 * HOUR),
    description:
      'A worker whose last heartbeat is older than this is dead, older than half of it unresponsive; the manager kills and restarts a worker in either state.',
  },
  SLOW_TASK_THRESHOLD: {
    ...duration(900, 1 * SECOND, 7 * 24 * HOUR),
    description: 'A task running longer than this is slow: its worker shows `slow` and the manager logs a WARN, but leaves it running.',
  },
  MAX_RETRIES: {
    ...count(3, 1, 100),
    description:
      'Attempts per task, the first one included: a failure that may be retried is tried again until this many attempts have run. A worker also gives up a queue backend call after this many failures in a row.',
  },
  RETRY_DELAY: {
    ...duration(5, 0, HOUR),
    description:
      'Base of the backoff between attempts: before retry n a worker waits this × 2^(n-1), at most 30 times this and 1h, half of it random (docs/SPEC.md section 7.3).',
  },
  TASK_TIMEOUT: {
    ...duration(3600, 1 * SECOND, 7 * 24 * HOUR),
    description:
      "An attempt running longer than this, counted from its run's start, is stopped (SIGTERM to its process group, SIGKILL 5 s later) and retried as `timeout`.",
  },
  CHECK_INTERVAL: {
    ...duration(10, 100, HOUR),
    description:
      "Period of the manager's check pass (restarts, lock alerts, kill requests); a worker pane's death starts a pass at once as well.",
  },
  RESTART_DELAY: {
    ...duration(5, 0, HOUR),
    description:
      'Base delay between consecutive restarts of one worker: the first restart after a healthy run is immediate, the next ones wait this, twice this, four times this ..., up to 5 minutes (or this, when it is longer).',
  },
  MAX_RESTART_ATTEMPTS: {
    ...count(5, 1, 1000),
    description:
      'Consecutive unstable restarts of one worker (see RESTART_MIN_UPTIME) after which the manager gives up on it at its next unstable death and leaves it stopped.',
  },
  RESTART_MIN_UPTIME: {
    ...duration(10, 0, HOUR),
    description: 'A worker that dies sooner than this after a (re)start counts as an unstable restart; a later death does not count.',
  },
  RESTART_STABLE_PERIOD: {
    ...duration(60, 0, 24 * HOUR),
    description: 'A worker up this long has its count of consecutive unstable restarts reset to 0.',
  },
  WORKER_BACKEND: {
    ...choice('auto', ['auto', 'pueue', 'embedded', 'postgres']),
    description:
      'The queue backend: `pueue`, `embedded` (a file under the data root), `postgres` (a database several hosts share, at WORKERS_DATABASE_URL), or `auto`: pueue when a pueue client is on PATH, else embedded.',
  },
  WORKER_HOST: {
    ...word('', /^[A-Za-z0-9_.-]{0,64}$/, 'a host name of letters, digits, _ . - (empty for the machine name)'),
    description:
      "This host's name in a shared postgres queue, where other hosts' workers are named `host/id`. Empty: the machine's host name up to its first dot.",
  },
  LEASE_TIMEOUT: {
    ...duration(0, 0, 7 * 24 * HOUR),
    description:
      "How long a postgres claim stays its worker's without a heartbeat renewing it; then the task goes back to the queue. 0: twice DEAD_WORKER_THRESHOLD.",
  },
  POSTGRES_POLL_INTERVAL: {
    ...duration(2, 100, HOUR),
    description: 'How often an idle postgres worker looks at the queue when no `NOTIFY` woke it: the safety net for a lost notification.',
  },
  WORKER_AGENT_CMD: {
    ...word('claude', /^\S.{0,4095}$/s, 'a non-empty command'),
    description:
      'The agent a worker runs for each attempt, split into words as a shell would but run without one. A program named `claude` (bare or a path ending in /claude) runs as Claude Code; any other runs as a plain command given the sub-issue and parent ids.',
  },
  WORKERS_SESSION: {
    ...word('claude-workers', NAME, 'a tmux session name of letters, digits, _ . -'),
    description: 'The tmux session that holds the worker panes.',
  },
  MONITOR_SESSION: {
    ...word('claude-monitor', NAME, 'a tmux session name of letters, digits, _ . -'),
    description: "The tmux session that holds the manager, on the manager's own tmux server (see WORKERS_TMUX_SOCKET).",
  },
  WORKERS_TMUX_SOCKET: {
    ...word('', /^[A-Za-z0-9_.-]{0,64}$/, 'a tmux socket name of letters, digits, _ . - (empty for the default)'),
    description:
      "The tmux socket name (`tmux -L`) of the workers' server; the manager's server is this name plus `-manager`. Empty: tmux's default socket, and `default-manager` for the manager.",
  },
  LOCK_STALE_TIMEOUT: {
    ...duration(5, 2 * SECOND, 600 * SECOND),
    description:
      'A writer waits up to 12 times this for a file lock whose holder lives, then fails naming the holder; the manager ALERTs on a lock held this long by a stopped process. A lock is never taken over for its age alone.',
  },
  PUEUE_GROUP: {
    ...word('subissues', /^[A-Za-z0-9_-]{1,64}$/, 'a Pueue group name of letters, digits, _ -'),
    description: "The Pueue group used as the queue by the pueue backend; it is kept paused, so only a worker's claim starts a task.",
  },
  CLAUDE_MODEL: {
    ...word('', /^[A-Za-z0-9_.:[\]-]{0,128}$/, 'a model alias or id such as sonnet (empty for the CLI default)'),
    description: "Claude Code's `--model` for each run: an alias such as `sonnet` or a model id. Empty: the CLI's default model.",
  },
  CLAUDE_PERMISSION_MODE: {
    ...choice('acceptEdits', ['default', 'acceptEdits', 'plan', 'auto', 'dontAsk', 'bypassPermissions']),
    description: "Claude Code's `--permission-mode` for each run.",
  },
  CLAUDE_ALLOWED_TOOLS: {
    ...word(
      'Read,Edit,Write,Glob,Grep,Bash(git add *),Bash(git commit *),Bash(git status *),Bash(git status),Bash(git diff *),Bash(git diff),Bash(git log *),Bash(git log),Bash(git show *)',
      /^[^\n]{0,4096}$/,
      'comma-separated permission rules such as Write,Bash(git *)',
    ),
    description:
      "Claude Code's `--allowedTools` for each run, comma-separated permission rules. The default is least privilege, as the agent reads untrusted issue text: it may edit files and make local commits, nothing that reaches the network (no `gh`, no `git push`: the worker pushes).",
  },
  CLAUDE_MAX_TURNS: {
    ...count(0, 0, 100_000),
    description: "Claude Code's `--max-turns` for each run. 0: no limit.",
  },
  CLAUDE_MAX_BUDGET_USD: {
    ...usd(),
    description: "Claude Code's `--max-budget-usd` for each run, in US dollars. 0: no budget.",
  },
  CLAUDE_CONFIG_DIR_TEMPLATE: {
    ...word('', /^[^\n]{0,1024}$/, 'a directory path, {worker} stands for the worker id (empty to share the default)'),
    description:
      "A private Claude Code state directory per worker (the `CLAUDE_CONFIG_DIR` of its runs), `{worker}` standing for the worker id. Empty: the workers share the CLI's default.",
  },
  CLAUDE_PROMPT_TEMPLATE: {
    ...word(
      '',
      /^.{0,16384}$/s,
      'a prompt text with {subissue}, {parent}, {branch}, {baseBranch}, {worker}, {attempt}, {title}, {body} placeholders (empty for the default)',
    ),
    description:
      'The prompt of each Claude Code run, with `{subissue}`, `{parent}`, `{branch}`, `{baseBranch}`, `{worker}`, `{attempt}` and in GitHub mode `{title}` (one line) and `{body}` (the fenced issue text) filled in; other braces stay. Empty: the built-in prompt.',
  },
  PROGRESS_STALL_THRESHOLD: {
    ...duration(900, 1 * SECOND, 7 * 24 * HOUR),
    description:
      'An attempt without progress (new agent output, a new commit or files changing in its worktree) for this long gets an ALERT, and its worker shows `stalled`.',
  },
  STALL_STOP_FACTOR: {
    ...count(2, 0, 100),
    description:
      'An attempt without progress for this many times PROGRESS_STALL_THRESHOLD is stopped and retried as `stalled`. 0: a stalled attempt is never stopped.',
  },
  STALL_MAX_RETRIES: {
    ...count(2, 1, 100),
    description: 'Stalled attempts of one task after which it is not retried but fails, for a person to look at.',
  },
  MIN_FREE_DISK: {
    ...byteSize(1024 ** 3, 0, ' (0 for no floor)'),
    description:
      'Below this much free space on the disk of `<repo>/.worktrees`, the repository or the data root, no worker claims a new task (workers show `paused: disk`) until there is space again. 0: no floor.',
  },
  LOG_MAX_BYTES: {
    ...byteSize(10 * 1024 ** 2, 1024),
    description:
      "health.log, alerts.log, manager.log and the workers' errors logs are rotated once past this size; a finished attempt's output files larger than this are gzipped.",
  },
  LOG_KEEP: {
    ...count(5, 1, 100),
    description: 'Rotated files kept per log: `NAME.1` plain, `NAME.2.gz` and older gzipped.',
  },
  RUNS_KEEP_DAYS: {
    ...count(14, 0, 3650),
    description:
      "Run files (agent output, runner records) of tasks neither queued nor claimed are removed once unchanged for this many days, by `worker-queue clean` and the manager's garbage pass (GC_INTERVAL). 0: at the next pass.",
  },
  GC_INTERVAL: {
    ...duration(3600, 10 * SECOND, 7 * 24 * HOUR),
    description: "How often the manager removes finished tasks' worktrees (as `worker-queue gc` does) and old run files (RUNS_KEEP_DAYS).",
  },
  WORKTREES_MAX_BYTES: {
    ...byteSize(0, 0, ' (0 for no budget)'),
    description:
      'When `<repo>/.worktrees` holds more than this (measured at most every 10 s), no worker claims a new task, as below MIN_FREE_DISK. 0: no budget.',
  },
  USAGE_PAUSE_JITTER: {
    ...duration(30, 0, HOUR),
    description:
      "When a usage limit pauses the pool, up to this much (a random share) is added to the limit's reset time, so the workers do not all resume at once.",
  },
  NOTIFY_WEBHOOK_URL: {
    ...word('', /^(https?:\/\/\S{1,2040})?$/, 'an http:// or https:// URL (empty for none)'),
    description: 'An http(s) URL that gets each notification (the manager sends them) as a JSON POST. Empty: none.',
  },
  NOTIFY_COMMAND: {
    ...word('', /^[^\n]{0,4096}$/, 'a command (words, no shell; empty for none)'),
    description:
      'A command run for each notification, split into words and run without a shell, given the message as JSON on stdin and in `NOTIFY_*` environment variables. Empty: none.',
  },
  NOTIFY_DESKTOP: {
    ...choice('auto', ['auto', 'true', 'false']),
    description:
      'Desktop popups through `notify-send`: `auto` when it is installed and a desktop session is open, `true` whenever it is installed, `false` never.',
  },
  NOTIFY_EVENTS: {
    ...word('all', /^[a-z_,\s]{1,512}$/, 'all, or a comma-separated list of event names such as worker_dead,task_failed'),
    description: 'Which events are notified: `all`, or a comma-separated list of event names such as `worker_dead,task_failed`.',
  },
  NOTIFY_COALESCE: {
    ...duration(10, 0, HOUR),
    description:
      'Events of one kind within this long of the first become one message, sent when the window closes (later only when NOTIFY_RATE_LIMIT holds it back).',
  },
  NOTIFY_RATE_LIMIT: {
    ...count(20, 1, 10_000),
    description: 'Messages per minute at most, all sinks together; more wait for the next minute and keep coalescing.',
  },
  CLAUDE_RESUME: {
    ...flag(true),
    description:
      "A retry of a task (after a crash, timeout, stall or usage-limit pause) continues the earlier attempt's Claude Code session (`--resume`) in the same worktree. false: every attempt starts a new session.",
  },
  GITHUB_COMMENT: {
    ...flag(false),
    description: 'GitHub mode: the worker comments once on the sub-issue with the link of the pull request it opened.',
  },
  // The agent's sandbox (issue 28; docs/SPEC.md section 15).
  SANDBOX: {
    ...choice('auto', ['auto', 'on', 'off']),
    description:
      "Runs every agent inside a bubblewrap sandbox (the system read-only, writable only the task's worktree and its own branch, a private home and /tmp, its own process and network namespaces). `auto`: where bubblewrap can make one, else the agent runs without it and every worker start says so and names the fix; `on`: a worker refuses to start without it; `off`: never.",
  },
  SANDBOX_RO_PATHS: {
    ...word('', /^[^\n]{0,4096}$/, 'absolute paths separated by ":" (empty for none)'),
    description:
      'More paths the sandboxed agent may read (a toolchain outside PATH, a shared cache), separated by `:`. Paths that do not exist are skipped.',
  },
  SANDBOX_ALLOW_HOSTS: {
    ...word('', /^[-A-Za-z0-9.,:\s[\]]{0,1024}$/, 'host names separated by commas (empty for none)'),
    description:
      "Hosts every sandboxed run (agent, setup, verification) may reach through the worker's filtering proxy, separated by commas: `host` (any port) or `host:port`. Claude Code also reaches its model API (ANTHROPIC_BASE_URL's host, or api.anthropic.com). Empty: a command agent has no network but its own loopback (docs/SPEC.md section 15).",
  },

  // Every agent gets its task (issue 24, part 7): what reaches an agent's environment and prompt.
  AGENT_ENV_PASS: {
    ...nameList(),
    description:
      "Environment variables a worker passes on to its agent besides the task's own and PATH, HOME, USER, LANG, LC_*, TERM, TZ, TMPDIR (Claude Code also gets its own ANTHROPIC_*, CLAUDE_CODE_* and DISABLE_* settings), comma-separated. GitHub's (GH_*, GITHUB_*), the database's (WORKERS_DATABASE_URL, PG*), WORKERS_DASHBOARD_TOKEN and NOTIFY_* are never passed. Empty: nothing more.",
  },
  TRUSTED_COMMENTERS: {
    ...word('', /^\s*([A-Za-z0-9-]{1,39}(\[bot\])?\s*(,\s*|$))*$/, 'comma-separated GitHub logins'),
    allowed: 'comma-separated GitHub logins',
    description:
      "GitHub mode: people whose comments on a sub-issue reach the agent's prompt besides those with write access to the repository (GitHub's author_association OWNER, MEMBER or COLLABORATOR). Other comments are left out, and the prompt says how many. Empty: write access only.",
  },

  // Hardening (issue 25): bounds and limits.
  GITHUB_MAX_WAIT: {
    ...duration(60, 0, HOUR),
    description:
      "The longest a command (add-issues, plan) waits for GitHub's rate limits in total before it ends with one sentence; a worker allows each task's GitHub step as long, then retries the task as a github_error.",
  },

  // The pull-request watcher (issue 26).
  PR_POLL_INTERVAL: {
    ...duration(30, 5 * SECOND, HOUR),
    description:
      "GitHub mode: the longest a change on a pull request of the pool with activity in the last hour waits to be seen by the manager's watcher. Looks come twice as often while checks run, and back off (doubling per quiet hour, up to 10 m) for quiet pull requests; unchanged answers are 304s, which cost no rate limit.",
  },

  // Start what can succeed, spend what was allowed (issue 27): budgets and review capacity.
  BUDGET_DAILY_USD: {
    ...usd(),
    description:
      "The most the pool's agents may spend in a day (the day of BUDGET_TZ), in US dollars, summed from the costs they report over every host sharing the database: at 80% a notification, at 100% no new attempt starts (running ones finish) until the next day or `worker-manager resume --budget USD`. An attempt whose agent reports no cost counts as unknown. 0: no budget.",
  },
  BUDGET_PARENT_USD: {
    ...usd(),
    description:
      "The most the agents may spend on one parent issue's sub-issues, in US dollars, over every day and host: at 80% a notification, at 100% no new attempt of that parent starts until `worker-manager resume --budget USD --parent N`. 0: no budget.",
  },
  BUDGET_TZ: {
    fallback: 'UTC',
    shownDefault: 'UTC',
    allowed: 'an IANA time zone such as UTC or Europe/Paris',
    accepts: 'an IANA time zone such as UTC or Europe/Paris',
    schema: () => z.string().refine(isTimeZone),
    description: 'The time zone whose midnight starts a new day of BUDGET_DAILY_USD; set it the same on every host.',
  },
  MAX_OPEN_PRS: {
    ...count(0, 0, 10_000),
    description:
      "GitHub mode: when this many of the pool's open pull requests have no approving review from a person with write access (as the manager's watcher last saw them), no new implementation task starts until one is approved, merged or closed. 0: no limit.",
  },

  // The agent tests its work (issue 28, sections 2 and 3; docs/SPEC.md section 15).
  WORKER_SETUP_CMD: {
    ...word('', /^[^\n]{0,4096}$/, 'a shell command (empty for none)'),
    description:
      "A shell command (run by `sh -c`, e.g. `npm ci`) a worker runs once per task worktree before the agent's first attempt, in the task's sandbox when one is in use, with the network SANDBOX_SETUP_HOSTS gives. A failure fails the attempt (worktree_error, retried) with the command's last lines. Empty: none.",
  },
  SANDBOX_SETUP_HOSTS: {
    ...word('', /^[-A-Za-z0-9.,:\s[\]]{0,1024}$/, 'host names separated by commas (empty for none)'),
    description:
      "Hosts WORKER_SETUP_CMD may reach inside the sandbox through the worker's filtering proxy (package registries such as registry.npmjs.org), separated by commas: `host` or `host:port`. Empty: the setup reaches only SANDBOX_ALLOW_HOSTS. The agent's own runs and the verification do not get these (docs/SPEC.md section 15).",
  },
  WORKER_VERIFY_CMD: {
    ...word('', /^[^\n]{0,4096}$/, 'a shell command (empty for none)'),
    description:
      "A shell command (run by `sh -c`, e.g. `npm test`) a worker runs in the task's worktree, in its sandbox when one is in use, after the agent finishes with commits and before the pull request. A failure resumes the agent with the command's last lines, up to VERIFY_MAX_ROUNDS rounds; work that never passes gets a draft pull request and ends `review`. Empty: no verification.",
  },
  VERIFY_MAX_ROUNDS: {
    ...count(2, 1, 20),
    description:
      'Agent rounds per task that end in WORKER_VERIFY_CMD, the first one included: after a failing verification the agent is resumed to fix it until this many rounds have run. Each round is an attempt of the task.',
  },

  // Follow-ups on the pool's pull requests (issue 26, section 2).
  FOLLOWUP_MAX: {
    ...count(3, 0, 100),
    description:
      'GitHub mode: follow-ups the manager queues per pull request and kind (fix-ci for failing checks, address-review for changes a person with write access asked for, resolve-conflict for a branch that conflicts with its moved base); then it stops and tells the person once, with the last failure. 0: no follow-ups, only the notice.',
  },

  // Siblings and a moving base (issue 26, section 3).
  PR_UPDATE_METHOD: {
    ...choice('rebase', ['rebase', 'merge'] as const),
    description:
      "GitHub mode: how the manager brings an open pull request of the pool up to date with its moved base branch, with no agent, when that is clean and needed (the branch now conflicts, or GitHub says `behind` because branch protection requires it up to date): `rebase` replays the branch's commits onto the base, `merge` commits a merge of the base into the branch. Either is pushed with force-with-lease against the head the pool last saw, so a person's commits are never overwritten; a conflicting update becomes a resolve-conflict follow-up instead.",
  },

  // Stacking on blockers (issue 27, section 1; docs/SPEC.md section 8.5).
  STACK_ON_BLOCKERS: {
    ...flag(false),
    description:
      "GitHub mode: a sub-issue whose only open blockers have open pull requests of the pool starts from the blocker's branch and opens its pull request against it, instead of waiting for the merge; when the blocker merges, the manager moves the pull request's base to the blocker's base and rebases it there (pushed with --force-with-lease; a conflict is told to the person). false: it waits.",
  },

  // Merging what is ready (issue 26, section 4; issue 27, the merge train).
  AUTO_MERGE: {
    ...choice('off', ['off', 'merge', 'squash', 'rebase'] as const),
    description:
      "GitHub mode: the manager's watcher merges each pull request of the pool that is ready (approved by a person with write access, checks green, mergeable, not a draft) through GitHub's API with this merge method, at the head commit it judged. A parent's pull requests merge one at a time in dependency order, blockers first; the train stops at the first one not ready. Branch protection is GitHub's: a refusal is told once. off: nothing is merged.",
  },
} as const satisfies Record<string, SettingDefinition<unknown>>;

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
