import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterThisTest } from './after-test.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const binPath = (name: string) => `${REPO_ROOT}bin/${name}.js`;

/** What a child process needs from the developer's shell; nothing else leaks in (no WORKER_BACKEND, no MAX_RETRIES). */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

/**
 * A clean, explicit environment for a test's child: the inherited basics, no colour, then `extra`.
 * SANDBOX=off unless `extra` says otherwise: the fake agents keep notes outside their worktrees,
 * which the agent's sandbox hides; the real claude's tests and the sandbox's own turn it on.
 */
export function testEnv(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  for (const [name, value] of Object.entries({ NO_COLOR: '1', SANDBOX: 'off', ...extra })) if (value !== undefined) env[name] = value;
  return env;
}

export interface BinResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunBinOptions {
  /** The data root (CLAUDE_WORKERS_HOME). */
  readonly home: string;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly timeout?: number;
  readonly input?: string;
}

/**
 * Runs a built binary (npm run build first; `npm test` does) with a private data root and no
 * terminal. Never rejects: tests assert on exitCode, stdout and stderr.
 */
export async function runBin(name: string, args: readonly string[], options: RunBinOptions): Promise<BinResult> {
  const result = await execa(process.execPath, [binPath(name), ...args], {
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout: options.timeout ?? 60_000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: testEnv({ CLAUDE_WORKERS_HOME: options.home, ...options.env }),
    extendEnv: false,
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Starts the hybrid-worker-enhanced binary as worker `id` in the bench's repository with exactly
 * the bench's environment; it is SIGKILLed after the current test.
 */
export function spawnWorker(bench: { readonly repo: string; readonly env: Readonly<Record<string, string>> }, id: number) {
  const child = execa(process.execPath, [binPath('hybrid-worker-enhanced'), String(id)], {
    cwd: bench.repo,
    env: testEnv(bench.env),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  afterThisTest(async () => {
    child.kill('SIGKILL');
    await child.catch(() => undefined);
  });
  return child;
}
