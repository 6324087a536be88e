import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { bundleFixture } from './bundle-fixture.js';
import { waitFor } from './wait-for.js';

const stopperScript = () => bundleFixture('test/fixtures/stop-inside-lock.ts');

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
  await waitFor(() => output.includes('stopping\n') && /\) T /.test(readStat(child.pid)), {
    timeoutMs: 30_000,
    what: 'the holder stopped inside the lock',
  });
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
