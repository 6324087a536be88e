import { execa } from 'execa';
import { bundleFixture } from './bundle-fixture.js';

/** Bundles test/fixtures/queue-claimer.ts once per test file, so children run the current source. */
export const queueClaimerScript = () => bundleFixture('test/fixtures/queue-claimer.ts');

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
  readonly lockStaleMs?: number;
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
