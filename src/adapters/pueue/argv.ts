/**
 * Pure argv builders for the `pueue` client. Global options go before the subcommand
 * (docs/PUEUE.md section 1); every id list is explicit so a bare command never hits the default group.
 */
export const globalArgs = (configPath: string | undefined): string[] => [
  ...(configPath === undefined ? [] : ['-c', configPath]),
  '--color',
  'never',
];

export const statusArgs = () => ['status', '--json'];
export const groupListArgs = () => ['group', '--json'];
export const groupAddArgs = (group: string) => ['group', 'add', group];
export const pauseGroupArgs = (group: string) => ['pause', '-g', group];

export interface AddArgs {
  readonly group: string;
  readonly label: string;
  readonly priority: number;
  readonly workingDirectory: string;
  /** One shell string the caller quoted itself (the task runs as `sh -c <command>`). */
  readonly command: string;
}

export const addArgs = (add: AddArgs) => [
  'add',
  '--print-task-id',
  `--group=${add.group}`,
  `--label=${add.label}`,
  `--priority=${add.priority}`,
  `--working-directory=${add.workingDirectory}`,
  '--',
  add.command,
];

export const startArgs = (id: number) => ['start', String(id)];
export const restartInPlaceArgs = (id: number) => ['restart', '--in-place', String(id)];
export const killArgs = (id: number, signal?: 'SIGTERM') => ['kill', ...(signal ? ['-s', signal] : []), String(id)];
export const removeArgs = (ids: readonly number[]) => ['remove', ...ids.map(String)];

/** The id printed by `add --print-task-id`: the last non-empty stdout line (v3 may warn before it). */
export function parseAddedId(stdout: string): number | undefined {
  const last = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1);
  return last !== undefined && /^\d+$/.test(last) ? Number(last) : undefined;
}

/** Client-side failures that mean "no daemon answers here" (docs/PUEUE.md section 7). */
export const isDaemonUnreachable = (text: string) =>
  /while connecting to daemon|Failed to connect to the daemon|Did you start the daemon|while opening secret file|Failed to initialize (client|stream)/i.test(
    text,
  );

// eslint-disable-next-line no-control-regex
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
