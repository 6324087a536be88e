import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePullRequest, hasPullRequest } from '../../src/adapters/github/gh.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';

/*
 * gh itself needs a GitHub account, so a stand-in `gh` on PATH answers `pr view` the way gh does:
 * exit 1 with "no pull requests found" (or, for a branch named `flaky`, a network error). git is real.
 */
const STAND_IN_GH = `#!/bin/sh
case "$1 $2 $3" in
  "pr view flaky") echo "error connecting to api.github.com" >&2; exit 1 ;;
  "pr view "*) echo "no pull requests found for branch \\"$3\\"" >&2; exit 1 ;;
esac
exit 2
`;

let savedPath: string | undefined;
let bin: string;
beforeAll(() => {
  bin = mkdtempSync(join(tmpdir(), 'hw-gh-'));
  writeFileSync(join(bin, 'gh'), STAND_IN_GH);
  chmodSync(join(bin, 'gh'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${savedPath ?? ''}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

describe('the GitHub adapter', () => {
  it('answers no for a branch without a pull request, and throws what gh said when gh fails', async () => {
    const repo = makeGitRepo();
    expect(await hasPullRequest(repo, 'main')).toBe(false);
    await expect(hasPullRequest(repo, 'flaky')).rejects.toThrow(/gh pr view failed in .*error connecting to api\.github\.com/);
  });

  it('throws when the branch cannot be pushed, instead of answering "no pull request"', async () => {
    const repo = makeGitRepo();
    git(repo, 'checkout', '-q', '-b', 'subissue/1-2');
    git(repo, 'commit', '-q', '--allow-empty', '-m', 'work');
    // No origin remote: the push fails.
    await expect(ensurePullRequest(repo, 'subissue/1-2', 'main')).rejects.toThrow(/git push failed in .*origin/);
  });
});
