import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-bin.js';
import { waitFor } from './wait-for.js';

let bundled: Promise<string> | undefined;

/** Bundles test/fixtures/stop-inside-lock.ts once per test file, so the child runs the current source. */
function stopperScript(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hw-stopper-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'stop-inside-lock.mjs');
    await build({
      entryPoints: [join(REPO_ROOT, 'test/fixtures/stop-inside-lock.ts')],
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

export interface StopperConfig {
  readonly root: string;
  readonly mode: 'add' | 'claim' | 'complete';
  readonly stopIn: string;
  readonly lockStaleMs: number;
  readonly backend?: 'pueue' | 'embedded';
  readonly group?: string;
  readonly pueueConfigPath?: string;
  readonly workerId?: number;
  readonly subissue?: string;
}

/**
 * Starts the child and waits until it has stopped itself inside the lock. `resume()` sends SIGCONT;
 * `result` is what its operation returned.
 */
export async function startStoppedHolder(config: StopperConfig) {
  const child = execa(process.execPath, [await stopperScript()], {
    env: { STOP_CHILD_CONFIG: JSON.stringify(config) },
    stdin: 'ignore',
    reject: false,
    timeout: 120_000,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('stopping\n') && /\) T /.test(readStat(child.pid)), { timeoutMs: 30_000, what: 'the holder stopped inside the lock' });
  return {
    pid: child.pid!,
    resume: () => process.kill(child.pid!, 'SIGCONT'),
    result: child.then((done) => {
      if (done.exitCode !== 0) throw new Error(`the stopped holder failed: ${String(done.stderr)}`);
      return JSON.parse(output.split('\n').filter(Boolean).at(-1) ?? 'null') as unknown;
    }),
  };
}

function readStat(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}
