import { execa } from 'execa';
import { afterThisTest } from './after-test.js';
import { binPath } from './run-bin.js';
import { waitFor } from './wait-for.js';

export interface RunningDashboard {
  readonly url: string;
  readonly output: () => string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** `worker-performance serve --port 0 ...` on a data root; resolves with its address once it listens. */
export async function startDashboard(
  home: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<RunningDashboard> {
  let output = '';
  const child = execa(process.execPath, [binPath('worker-performance'), 'serve', '--port', '0', ...args], {
    env: { CLAUDE_WORKERS_HOME: home, NO_COLOR: '1', WORKER_BACKEND: 'embedded', ...env },
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
  });
  afterThisTest(async () => {
    child.kill('SIGTERM');
    await child.catch(() => undefined);
  });
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const url = await waitFor(() => /Serving the dashboard on (http:\/\/\S+\/)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    what: `the dashboard to listen (${output})`,
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
