import { afterEach, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

const SHELL_SETTINGS = { MAX_RETRIES: 'many', TASK_TIMEOUT: 'never', WORKERS_SESSION: 'a session of the developer' } as const;
const saved = Object.fromEntries(Object.keys(SHELL_SETTINGS).map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('the binaries a test runs', () => {
  it("see none of the developer's settings, only what the test passes", async () => {
    Object.assign(process.env, SHELL_SETTINGS);
    const home = makeTempDir();
    // The backend is the test's choice: auto would reach for the default Pueue daemon.
    const added = await runBin('worker-queue', ['add', '1', '10', '101'], { home, env: { WORKER_BACKEND: 'embedded' } });
    expect(added.exitCode, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Queued .+#101 \(id:1\): sub-issue of #10, priority 1\.$/);
  });
});
