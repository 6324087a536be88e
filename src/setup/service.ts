import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDirSync, writeFileAtomicSync } from '../core/fs-safe.js';
import {
  renderCrontabLines,
  renderServiceUnit,
  renderShellEnvironment,
  renderSystemdEnvironment,
  serviceEnvFiles,
  serviceName,
  type ServiceSpec,
} from './service-unit.js';

export interface ServiceHost {
  /** ~/.config/systemd/user (or under $XDG_CONFIG_HOME). */
  readonly unitDir: string;
  /** Whether this machine was booted with systemd (/run/systemd/system exists). */
  readonly systemdRunning: boolean;
}

/**
 * Writes the pool's systemd user unit and says how to enable it, or, where systemd does not run,
 * which crontab lines do the same. Nothing is enabled or started here: that is the user's call.
 */
export function installService(spec: ServiceSpec, host: ServiceHost, poolSize: number): string[] {
  const name = serviceName(spec);
  const file = join(host.unitDir, name);
  const unit = renderServiceUnit(spec);
  const envFiles = serviceEnvFiles(spec.dataRoot);
  // Settings may be secrets: readable by the user alone, beside the data they protect.
  writeFileAtomicSync(envFiles.systemd, renderSystemdEnvironment(spec.env), { mode: 0o600 });
  writeFileAtomicSync(envFiles.shell, renderShellEnvironment(spec.env), { mode: 0o600 });
  ensureDirSync(host.unitDir);
  writeFileAtomicSync(file, unit, { mode: 0o644 });
  const lines = [
    `Wrote the systemd user unit ${file}: at boot it runs worker-manager ensure, then keeps the manager running; its settings are in ${envFiles.systemd} (readable by you alone).`,
  ];
  if (poolSize === 0)
    lines.push(
      'No pool size is recorded yet: run setup-hybrid-enhanced N (or worker-manager scale N) first, or the service starts no worker.',
    );
  if (host.systemdRunning) {
    lines.push(`Enable it: systemctl --user daemon-reload && systemctl --user enable --now ${name}`);
    lines.push('To start it at boot before you log in: loginctl enable-linger "$USER".');
  } else {
    lines.push('systemd is not running on this machine; add these lines to your crontab (crontab -e) instead:');
    lines.push(...renderCrontabLines(spec, join(spec.dataRoot, 'service.log')));
  }
  return lines;
}

/** Removes the unit (and its enable link, so none dangles); the running pool is left alone. */
export async function uninstallService(spec: Pick<ServiceSpec, 'repository' | 'dataRoot'>, host: ServiceHost): Promise<string[]> {
  const name = serviceName(spec);
  const file = join(host.unitDir, name);
  if (!existsSync(file)) return [`No service is installed for this pool (${file} does not exist).`];
  await rm(join(host.unitDir, 'default.target.wants', name), { force: true });
  await rm(file, { force: true });
  const envFiles = serviceEnvFiles(spec.dataRoot);
  await Promise.all([rm(envFiles.systemd, { force: true }), rm(envFiles.shell, { force: true })]);
  return [
    `Removed ${file}.`,
    host.systemdRunning
      ? 'Run systemctl --user daemon-reload; the pool keeps running until worker-manager shutdown.'
      : 'Remove the crontab lines that run worker-manager ensure (crontab -e); the pool keeps running until worker-manager shutdown.',
  ];
}
