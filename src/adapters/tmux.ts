import { execFile } from 'node:child_process';
import { z } from 'zod';
import { WorkersError } from '../core/errors.js';

/**
 * The one module that talks to tmux. Every call is an argv array with a timeout, on the socket
 * named by WORKERS_TMUX_SOCKET (`-L`), so tests and several pools never share a server. Worker
 * panes are found by their `@worker_id` pane option, never by position: positions shift when a
 * pane is killed (the shell tool's pane N / N-1 defect).
 */
export interface TmuxOptions {
  /** `-L` socket name; empty for the tmux default. */
  readonly socket: string;
  readonly timeoutMs?: number;
}

export const WORKER_ID_OPTION = '@worker_id';
const DEFAULT_TIMEOUT_MS = 5000;

export interface PaneCommand {
  /** Executed directly (tmux execvp's an argv of two or more words), so no shell parses it. */
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export const tmuxArgv = (socket: string, args: readonly string[]) => (socket === '' ? [...args] : ['-L', socket, ...args]);

/**
 * Through execFile, not execa: the manager runs tmux every check cycle, and execa's module and
 * per-call set-up cost the resident manager memory and CPU (docs/PERFORMANCE.md, fixed cost).
 * A tmux that cannot be run (missing, timed out) is an error; a tmux that said no is `ok: false`.
 */
export function runTmux(options: TmuxOptions, args: readonly string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = execFile('tmux', tmuxArgv(options.socket, args), { timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      // A tmux client stopped by the timeout's SIGTERM may still exit 0: it answered nothing.
      const why = child.killed
        ? `timed out after ${timeout} ms`
        : error !== null && typeof code !== 'number' && code !== 'ENOENT'
          ? error.message.split('\n')[0]
          : undefined;
      if (code === 'ENOENT') reject(new WorkersError('tool', 'tmux is not installed; install it (apt-get install tmux).'));
      else if (why !== undefined) reject(new WorkersError('tool', `tmux failed: ${why}.`));
      else resolve({ ok: error === null, stdout, stderr: stderr.trim() });
    });
    child.stdin?.end();
  });
}

async function tmuxOrThrow(options: TmuxOptions, args: readonly string[]): Promise<string> {
  const result = await runTmux(options, args);
  if (!result.ok) throw new WorkersError('tool', `tmux ${args[0]} failed: ${result.stderr || 'no reason given'}.`);
  return result.stdout;
}

/** `=name` matches the session name exactly (a bare name would also match a prefix). */
const sessionTarget = (session: string) => `=${session}:`;
const windowTarget = (session: string) => `=${session}:0`;

/** Pane-command argv: environment with -e, directory with -c, then `--` and the command words. */
export function paneCommandArgs(command: PaneCommand): string[] {
  if (command.argv.length < 2)
    throw new WorkersError('tool', 'A pane command needs a program and at least one argument, so tmux runs it without a shell.');
  const args: string[] = [];
  for (const [name, value] of Object.entries(command.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new WorkersError('tool', `Invalid environment variable name ${JSON.stringify(name)}.`);
    args.push('-e', `${name}=${value}`);
  }
  if (command.cwd !== undefined) args.push('-c', command.cwd);
  return [...args, '--', ...command.argv];
}

const PANE_FIELDS = [
  'pane_id',
  WORKER_ID_OPTION,
  'pane_dead',
  'pane_pid',
  'pane_current_command',
  'pane_dead_status',
  'pane_dead_signal',
  'window_index',
];
export const PANE_FORMAT = PANE_FIELDS.map((field) => `#{${field}}`).join('\t');

const paneLineSchema = z
  .tuple([
    z.string().regex(/^%\d+$/),
    z.string(),
    z.enum(['0', '1', '']),
    z.string().regex(/^\d*$/),
    z.string(),
    z.string(),
    z.string(),
    z.string().regex(/^\d+$/),
  ])
  .transform(([paneId, workerId, dead, pid, command, deadStatus, deadSignal, windowIndex]) => ({
    paneId,
    workerId: /^[1-9]\d{0,3}$/.test(workerId) ? Number(workerId) : null,
    dead: dead === '1',
    pid: pid === '' ? null : Number(pid),
    command,
    deadStatus: /^\d+$/.test(deadStatus) ? Number(deadStatus) : null,
    deadSignal: /^\d+$/.test(deadSignal) ? Number(deadSignal) : null,
    windowIndex: Number(windowIndex),
  }));

export type PaneInfo = z.output<typeof paneLineSchema>;

/** Parses `list-panes -F PANE_FORMAT` output; a line that does not match is a tmux we do not know. */
export function parsePaneList(text: string): PaneInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed = paneLineSchema.safeParse(line.split('\t'));
      if (!parsed.success) throw new WorkersError('tool', `Unexpected tmux list-panes line ${JSON.stringify(line)}.`);
      return parsed.data;
    });
}

export async function hasSession(options: TmuxOptions, session: string): Promise<boolean> {
  return (await runTmux(options, ['has-session', '-t', sessionTarget(session)])).ok;
}

/** Every pane of the session, tagged or not; an absent session or server is an empty list. */
export async function listPanes(options: TmuxOptions, session: string): Promise<PaneInfo[]> {
  const result = await runTmux(options, ['list-panes', '-s', '-t', sessionTarget(session), '-F', PANE_FORMAT]);
  return result.ok ? parsePaneList(result.stdout) : [];
}

/**
 * The panes that carry a worker id, by id (a duplicate tag keeps the first pane), or null when the
 * session does not exist: one tmux call answers both questions.
 */
export async function readWorkerPanes(options: TmuxOptions, session: string): Promise<Map<number, PaneInfo> | null> {
  const result = await runTmux(options, ['list-panes', '-s', '-t', sessionTarget(session), '-F', PANE_FORMAT]);
  if (!result.ok) return null;
  const panes = new Map<number, PaneInfo>();
  for (const pane of parsePaneList(result.stdout)) {
    if (pane.workerId !== null && !panes.has(pane.workerId)) panes.set(pane.workerId, pane);
  }
  return panes;
}

export const listWorkerPanes = async (options: TmuxOptions, session: string) =>
  (await readWorkerPanes(options, session)) ?? new Map<number, PaneInfo>();

export async function findWorkerPane(options: TmuxOptions, session: string, workerId: number): Promise<PaneInfo | undefined> {
  return (await listWorkerPanes(options, session)).get(workerId);
}

/**
 * A detached session whose first pane runs `command`; returns that pane's id. With `remainOnExit`
 * the window keeps dead panes from the start: set in the same tmux call, so a command that exits at
 * once cannot take the session (and a server with no other session) with it before the option is set.
 */
export async function newSession(
  options: TmuxOptions,
  session: string,
  command: PaneCommand,
  { remainOnExit = false } = {},
): Promise<string> {
  const keepDead = remainOnExit ? [';', 'set-option', '-w', '-t', windowTarget(session), 'remain-on-exit', 'on'] : [];
  // new-session's -e also goes into the session's environment, which every later pane and window
  // of the session inherits, a shell a user opens there too: the first pane keeps its copy only.
  const paneOnly = Object.keys(command.env ?? {}).flatMap((name) => [';', 'set-environment', '-t', `=${session}`, '-u', name]);
  const out = await tmuxOrThrow(options, [
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '200',
    '-y',
    '50',
    '-P',
    '-F',
    '#{pane_id}',
    ...paneCommandArgs(command),
    ...keepDead,
    ...paneOnly,
  ]);
  return out.trim();
}

/** A new pane in window 0 of the session; returns its id. */
export async function splitPane(options: TmuxOptions, session: string, command: PaneCommand): Promise<string> {
  const out = await tmuxOrThrow(options, [
    'split-window',
    '-d',
    '-t',
    windowTarget(session),
    '-P',
    '-F',
    '#{pane_id}',
    ...paneCommandArgs(command),
  ]);
  return out.trim();
}

/** The pid of the process a pane runs now, or null when the pane is gone or dead. */
export async function panePid(options: TmuxOptions, paneId: string): Promise<number | null> {
  const result = await runTmux(options, ['display-message', '-p', '-t', paneId, '#{pane_dead} #{pane_pid}']);
  const match = /^0 (\d+)$/.exec(result.stdout.trim());
  return result.ok && match ? Number(match[1]) : null;
}

export async function tagPane(options: TmuxOptions, paneId: string, workerId: number): Promise<void> {
  await tmuxOrThrow(options, ['set-option', '-p', '-t', paneId, WORKER_ID_OPTION, String(workerId)]);
}

/** Replaces whatever runs in the pane (dead or alive) with `command`, in the same pane. */
export async function respawnPane(options: TmuxOptions, paneId: string, command: PaneCommand): Promise<void> {
  await tmuxOrThrow(options, ['respawn-pane', '-k', '-t', paneId, ...paneCommandArgs(command)]);
}

/** Removes a pane; an already missing pane is not an error. */
export async function killPane(options: TmuxOptions, paneId: string): Promise<void> {
  await runTmux(options, ['kill-pane', '-t', paneId]);
}

export async function killSession(options: TmuxOptions, session: string): Promise<void> {
  await runTmux(options, ['kill-session', '-t', sessionTarget(session)]);
}

export async function tileLayout(options: TmuxOptions, session: string): Promise<void> {
  await runTmux(options, ['select-layout', '-t', windowTarget(session), 'tiled']);
}

/**
 * Keeps dead panes (so their id and exit status stay readable) and runs `hookCommand` (a shell
 * command, formats expanded by tmux) the moment a pane's process exits.
 */
export async function installDeathHook(options: TmuxOptions, session: string, hookCommand: string): Promise<void> {
  await tmuxOrThrow(options, ['set-option', '-w', '-t', windowTarget(session), 'remain-on-exit', 'on']);
  await tmuxOrThrow(options, ['set-hook', '-t', sessionTarget(session), 'pane-died', `run-shell -b ${quoteTmuxArgument(hookCommand)}`]);
}

/** Quotes one argument inside a tmux command string (tmux expands `$` and `\\` in double quotes). */
export const quoteTmuxArgument = (word: string) => `"${word.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;

/** Text that must reach a format-expanded command (run-shell) literally: `#` doubled. */
export const escapeTmuxFormat = (text: string) => text.replace(/#/g, '##');
