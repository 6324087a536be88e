import { execFileSync } from 'node:child_process';
import { ghContext, type GhContext } from '../../../src/adapters/github/gh-api.js';
import { afterThisTest } from '../after-test.js';
import { git, makeGitRepo } from '../git-repo.js';
import { makeTempDir } from '../temp.js';
import { startGithubApi, type GithubApi, type GithubApiOptions } from './server.js';

export interface GithubBench {
  readonly api: GithubApi;
  /** What the real gh needs to talk to the scripted server (plus PATH and HOME). */
  readonly env: Record<string, string>;
  /** A clone whose origin is a local bare repository. */
  readonly repo: string;
  readonly origin: string;
  readonly notices: string[];
  readonly gh: GhContext;
}

/** The scripted GitHub, a gh config directory of its own, a repository and its bare origin; closed after the test. */
export async function makeGithubBench(options: GithubApiOptions = {}, repo = makeGitRepo()): Promise<GithubBench> {
  const origin = makeTempDir('hw-origin-');
  execFileSync('git', ['init', '-q', '--bare', origin]);
  // A merge through the API lands in this origin (the branch the worker pushed).
  const api = await startGithubApi({ origin, ...options });
  afterThisTest(() => api.close());
  const env = { PATH: process.env.PATH ?? '', HOME: makeTempDir('hw-gh-home-'), ...api.env(makeTempDir('hw-gh-config-')) };
  git(repo, 'remote', 'add', 'origin', origin);
  git(repo, 'push', '-q', 'origin', 'main');
  const notices: string[] = [];
  return { api, env, repo, origin, notices, gh: ghContext(repo, env, (line) => notices.push(line)) };
}

/** The branches the bare origin holds. */
export const originBranches = (origin: string) =>
  git(origin, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean);
