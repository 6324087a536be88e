import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './temp.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A real repository on branch main with one commit, fixed identity, no signing, no auto gc. */
export function makeGitRepo(): string {
  const dir = makeTempDir('hw-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  for (const [key, value] of [
    ['user.name', 'Test User'],
    ['user.email', 'test@example.com'],
    ['commit.gpgsign', 'false'],
    ['gc.auto', '0'],
  ] as const) {
    git(dir, 'config', key, value);
  }
  writeFileSync(join(dir, 'README.md'), '# test repository\n');
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '-q', '-m', 'initial commit');
  return dir;
}

export { git };
