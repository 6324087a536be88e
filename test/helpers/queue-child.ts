import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-bin.js';

let bundled: Promise<string> | undefined;

/** Bundles test/fixtures/queue-claimer.ts once per test file, so children run the current source. */
export function queueClaimerScript(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-claimer-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'queue-claimer.mjs');
    await build({
      entryPoints: [join(REPO_ROOT, 'test/fixtures/queue-claimer.ts')],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

export interface ChildConfig {
  readonly root: string;
  readonly backend: 'pueue' | 'embedded' | 'postgres';
  readonly group: string;
  readonly pueueConfigPath?: string;
  readonly databaseUrl?: string;
  /** Settings over the defaults (WORKER_HOST, LEASE_TIMEOUT, ...). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly workerId: number;
  readonly mode: 'claim-all' | 'start-and-hang';
  readonly argv?: readonly string[];
  readonly cwd?: string;
}

/** Starts a child running the bundled claimer (get `script` from queueClaimerScript first). */
export function startQueueChild(script: string, config: ChildConfig) {
  return execa(process.execPath, [script], {
    env: { QUEUE_CHILD_CONFIG: JSON.stringify(config) },
    stdin: 'ignore',
    reject: false,
    timeout: 300_000,
  });
}
