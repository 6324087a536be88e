import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const binPath = (name: string) => `${REPO_ROOT}bin/${name}.js`;

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
    env: { CLAUDE_WORKERS_HOME: options.home, NO_COLOR: '1', ...options.env },
    extendEnv: true,
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}
