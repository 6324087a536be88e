import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ensureDirSync, writeFileAtomicSync } from '../../core/fs-safe.js';

/**
 * The pueued this toolkit started itself (the user's own daemon is never noted): `worker-manager
 * shutdown` stops it, so a shut-down pool leaves no daemon behind.
 */
const startedDaemonSchema = z.object({ pid: z.number().int().positive(), config_path: z.string().nullable() });

export type StartedDaemon = z.infer<typeof startedDaemonSchema>;

export function noteStartedDaemon(file: string, daemon: StartedDaemon): void {
  ensureDirSync(dirname(file));
  writeFileAtomicSync(file, `${JSON.stringify(daemon)}\n`);
}

/** The noted daemon if that pid still runs pueued (a recycled pid is some other program), else null. */
export function readStartedDaemon(file: string): StartedDaemon | null {
  try {
    const daemon = startedDaemonSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    return readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8').split('\0')[0]?.endsWith('pueued') === true ? daemon : null;
  } catch {
    return null;
  }
}
