import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { WorkersError } from '../core/errors.js';

/** What the boot service runs: `node <bin/worker-manager.js> ensure --foreground` in the repository. */
export interface ServiceSpec {
  readonly repository: string;
  readonly dataRoot: string;
  readonly nodePath: string;
  readonly managerBin: string;
  /**
   * The manager's environment (data root, PATH, settings, database URL): written to the data
   * root's 0600 environment files, never into the 0644 unit or the printed crontab lines, since a
   * setting may be a secret (NOTIFY_WEBHOOK_URL, WORKERS_DATABASE_URL).
   */
  readonly env: Readonly<Record<string, string>>;
}

/** The unit's EnvironmentFile= (systemd's syntax) and the crontab lines' (sh's), in the data root. */
export const serviceEnvFiles = (dataRoot: string) => ({
  systemd: join(dataRoot, 'service.env'),
  shell: join(dataRoot, 'service-env.sh'),
});

/** A path a unit line or a crontab line holds must not break that line. */
export function checkServicePaths(spec: ServiceSpec): void {
  for (const path of [spec.repository, spec.dataRoot, spec.nodePath, spec.managerBin]) {
    if ([...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f))
      throw new WorkersError(
        'config',
        `The path ${JSON.stringify(path)} holds a line break or another control character; a service cannot run from it.`,
      );
  }
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
  checkServicePaths(spec);
  return [
    '[Unit]',
    `Description=${escapeSpecifiers(`hybrid-workers pool for ${spec.repository} (data root ${spec.dataRoot})`)}`,
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${escapeSpecifiers(spec.repository)}`,
    `Environment=${envQuote(`CLAUDE_WORKERS_HOME=${spec.dataRoot}`)}`,
    `EnvironmentFile=${escapeSpecifiers(serviceEnvFiles(spec.dataRoot).systemd)}`,
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

/** Names are setting names; anything else is not written. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const entries = (env: Readonly<Record<string, string>>) => Object.entries(env).filter(([name]) => NAME.test(name));

/**
 * systemd's EnvironmentFile: each value double-quoted with \\, \", \$ and \` escaped; a line
 * break stays inside the quotes, part of the value (a multi-line prompt template stays one setting).
 */
export const renderSystemdEnvironment = (env: Readonly<Record<string, string>>) =>
  entries(env)
    .map(([name, value]) => `${name}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"\n`)
    .join('');

/** Quotes one word for /bin/sh (a line break inside single quotes is part of the word). */
const shWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** The same environment for sh, sourced by the crontab lines. */
export const renderShellEnvironment = (env: Readonly<Record<string, string>>) =>
  entries(env)
    .map(([name, value]) => `export ${name}=${shWord(value)}\n`)
    .join('');

/** A word of a crontab line: cron also turns an unescaped `%` into a newline. */
const cronWord = (word: string) => shWord(word).replace(/%/g, '\\%');

/** Where systemd is absent: at boot, and every 5 minutes to bring back a manager that died. */
export function renderCrontabLines(spec: ServiceSpec, logFile: string): string[] {
  checkServicePaths(spec);
  const line = `cd ${cronWord(spec.repository)} && . ${cronWord(serviceEnvFiles(spec.dataRoot).shell)} && ${[spec.nodePath, spec.managerBin, 'ensure'].map(cronWord).join(' ')} >>${cronWord(logFile)} 2>&1`;
  return [`@reboot ${line}`, `*/5 * * * * ${line}`];
}
