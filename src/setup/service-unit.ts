import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';

/** What the boot service runs: `node <bin/worker-manager.js> ensure --foreground` in the repository. */
export interface ServiceSpec {
  readonly repository: string;
  readonly dataRoot: string;
  readonly nodePath: string;
  readonly managerBin: string;
  /** The environment baked into the unit (data root, PATH, settings); never credentials. */
  readonly env: Readonly<Record<string, string>>;
}

/** One unit per pool: the repository's name for people, a hash of the data root for uniqueness. */
export function serviceName(spec: Pick<ServiceSpec, 'repository' | 'dataRoot'>): string {
  const slug =
    basename(spec.repository)
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'repo';
  return `hybrid-workers-${slug}-${createHash('sha256').update(spec.dataRoot).digest('hex').slice(0, 8)}.service`;
}

export const userUnitDir = (env: Readonly<Record<string, string | undefined>>, homeDir: string) =>
  join(env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(homeDir, '.config'), 'systemd', 'user');

/** systemd expands `%` specifiers everywhere: doubled. */
const escapeSpecifiers = (text: string) => text.replace(/%/g, '%%');
/** A double-quoted Environment= assignment (C escapes, no variable expansion). */
const envQuote = (text: string) => `"${escapeSpecifiers(text).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
/** A double-quoted word of a command line, where `$` also expands: doubled. */
const execQuote = (text: string) => envQuote(text).replace(/\$/g, '$$$$');

const command = (spec: ServiceSpec) => [spec.nodePath, spec.managerBin, 'ensure', '--foreground'];

/**
 * The user unit. `ensure --foreground` starts what is not running, then is the manager loop, so
 * systemd keeps the manager alive. Restart=on-failure, not always: a crash, SIGKILL or OOM kill
 * restarts it, while `worker-manager shutdown` (SIGTERM, a clean exit) stops it for good.
 * KillMode=process: a restart of the manager must not kill the workers' tmux server, the workers
 * and their runs, which started from the service and so share its cgroup.
 */
export function renderServiceUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=${escapeSpecifiers(`hybrid-workers pool for ${spec.repository} (data root ${spec.dataRoot})`)}`,
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${escapeSpecifiers(spec.repository)}`,
    ...Object.entries(spec.env).map(([name, value]) => `Environment=${envQuote(`${name}=${value}`)}`),
    `ExecStart=${command(spec).map(execQuote).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** Quotes one word for /bin/sh; cron also turns an unescaped `%` into a newline. */
const cronWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`.replace(/%/g, '\\%');

/** Where systemd is absent: at boot, and every 5 minutes to bring back a manager that died. */
export function renderCrontabLines(spec: ServiceSpec, logFile: string): string[] {
  const env = Object.entries(spec.env).map(([name, value]) => cronWord(`${name}=${value}`));
  const line = `cd ${cronWord(spec.repository)} && env ${env.join(' ')} ${[spec.nodePath, spec.managerBin, 'ensure'].map(cronWord).join(' ')} >>${cronWord(logFile)} 2>&1`;
  return [`@reboot ${line}`, `*/5 * * * * ${line}`];
}
