import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { hasBranch, verifyBranch } from '../../src/adapters/git.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';

describeWith(['git'], 'branch names from --base never reach git as options', () => {
  it.each(['--output=OUT', '-D', 'a..b', ''])('refuses --base %j with one sentence and leaves the repository as it was', async (name) => {
    const repo = makeGitRepo();
    const out = join(makeTempDir(), 'x');
    const base = name.replace('OUT', out);
    await expect(verifyBranch(repo, base)).rejects.toMatchObject({
      kind: 'usage',
      message: `The base branch ${JSON.stringify(base)} is not a valid branch name: pass an existing branch to --base.`,
    });
    expect(existsSync(out)).toBe(false);
    expect(git(repo, 'branch', '--format=%(refname:short)')).toBe('main');
  });

  it('accepts an existing branch and looks a dash-led name up as a name', async () => {
    const repo = makeGitRepo();
    await expect(verifyBranch(repo, 'main')).resolves.toBeUndefined();
    expect(await hasBranch(repo, '-D')).toBe(false);
  });
});
