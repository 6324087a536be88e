import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeIsolatedPueueConfig } from '../../src/adapters/pueue/isolated-config.js';
import { waitFor } from './wait-for.js';

export interface IsolatedPueue {
  readonly dir: string;
  readonly configPath: string;
  /** The daemon's pid, read from its pid file. */
  pid(): number | undefined;
  /** Starts pueued on this config (detached, stdio ignored) and waits for its socket. */
  start(): Promise<void>;
  /** Graceful shutdown, then the directory is removed. */
  stop(): Promise<void>;
}

/**
 * A private pueued (docs/PUEUE.md section 3): own config, pueue_directory, runtime dir and socket in a
 * short temp dir (socket paths are limited to ~108 bytes). Never touches the user's daemon.
 */
export function isolatedPueue(): IsolatedPueue {
  const dir = mkdtempSync('/tmp/pq-');
  const configPath = writeIsolatedPueueConfig(dir);
  const pid = () => {
    const file = `${dir}/pueue.pid`;
    return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  };
  const alive = (value: number | undefined) => {
    if (value === undefined) return false;
    try {
      process.kill(value, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    dir,
    configPath,
    pid,
    async start() {
      spawn('pueued', ['-c', configPath], { detached: true, stdio: 'ignore' }).unref();
      await waitFor(() => existsSync(`${dir}/pueue.sock`) && pid() !== undefined, { what: 'pueued socket', timeoutMs: 20_000 });
    },
    async stop() {
      const daemon = pid();
      if (alive(daemon)) {
        try {
          execFileSync('pueue', ['-c', configPath, '--color', 'never', 'shutdown'], { stdio: 'ignore', timeout: 10_000 });
        } catch {
          process.kill(daemon!, 'SIGTERM');
        }
        await waitFor(() => !alive(daemon), { what: 'pueued exit', timeoutMs: 20_000 });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
