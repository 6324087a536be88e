import { execa, type Options } from 'execa';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const binPath = (name: string) => `${REPO_ROOT}bin/${name}.js`;

/**
 * Runs a built binary (npm run build first; `npm test` does) with a private data root.
 * Never rejects: tests assert on exitCode, stdout and stderr.
 */
export function runBin(name: string, args: readonly string[], options: { home: string; env?: Record<string, string | undefined> } & Options) {
  const { home, env, ...rest } = options;
  return execa(process.execPath, [binPath(name), ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    ...rest,
    env: { CLAUDE_WORKERS_HOME: home, NO_COLOR: '1', ...env },
    extendEnv: true,
  });
}
