import { execa } from 'execa';
import { WorkersError } from '../core/errors.js';

/** The top level of the git repository at `path`; workers make their worktrees under it. */
export async function resolveRepository(path: string): Promise<string> {
  const result = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: path, reject: false, stdin: 'ignore', timeout: 10_000 });
  if (result.exitCode !== 0) {
    throw new WorkersError('usage', `${path} is not inside a git repository; run setup in the repository the workers should work on, or pass --repo.`);
  }
  return result.stdout.trim();
}
