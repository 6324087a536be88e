import { resolve } from 'node:path';
import { isClaudeCommand, selectAgent } from './select-agent.js';
import { splitWords } from '../core/split-words.js';
import { getCurrentBranch, verifyBranch, verifyRepo } from '../adapters/git.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { removeLeftoverTemps } from '../core/leftover-temps.js';
import { openFleetStores } from '../health/open-stores.js';
import { openQueueBackend } from '../queue/open-backend.js';
import { WorkerControl, drainFile } from './control.js';
import { claimWorkerId, recordWorkerRepository } from '../health/worker-pid-file.js';
import type { GithubLink } from '../github/deliver-pull-request.js';
import { runWorker } from './worker-loop.js';
import { chooseSandbox } from './sandbox.js';

export interface StartWorkerOptions {
  readonly workerId: number;
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** The directory the worker was started in. */
  readonly cwd: string;
  /** `--repo`: the repository whose worktrees the worker makes; default: the one holding `cwd`. */
  readonly repo?: string;
  /** `--base`: the branch tasks start from; default: the repository's current branch. */
  readonly base?: string;
  readonly say: (line: string) => void;
  readonly warn: (line: string) => void;
}

/**
 * Resolves the repository and base branch, opens the queue and the health service, and runs the
 * worker loop until it stops. The caller wires signals to the returned control.
 */
export async function startWorker(options: StartWorkerOptions): Promise<{ control: WorkerControl; done: Promise<number> }> {
  const release = await claimWorkerId(options.paths, options.workerId, options.settings.LOCK_STALE_TIMEOUT);
  try {
    const { control, done } = await startClaimed(options);
    return { control, done: done.finally(release) };
  } catch (error) {
    await release();
    throw error;
  }
}

async function startClaimed(options: StartWorkerOptions): Promise<{ control: WorkerControl; done: Promise<number> }> {
  const repo = await verifyRepo(resolve(options.cwd, options.repo ?? '.'));
  const baseBranch = options.base ?? (await getCurrentBranch(repo));
  await verifyBranch(repo, baseBranch);
  // Once per start, before anything runs: SANDBOX=on without a sandbox stops here.
  const sandbox = await chooseSandbox(options.settings, options.env, repo, process.platform, process.getuid?.() ?? -1);
  (sandbox.host ? options.say : options.warn)(sandbox.line);
  const agent = selectAgent(options.settings, options.now, sandbox.host !== undefined);
  if (isClaudeCommand(options.settings.WORKER_AGENT_CMD)) await showClaudeVersion(options);
  const open = () => openQueueBackend({ paths: options.paths, settings: options.settings, env: options.env, now: options.now });
  const { backend, notice, warning } = await open();
  options.warn(notice);
  if (warning) options.warn(warning);
  removeLeftoverTemps(options.paths);
  const { health, history } = openFleetStores({ paths: options.paths, settings: options.settings, env: options.env, now: options.now });
  const control = new WorkerControl(drainFile(options.paths, options.workerId));
  const { repositoryIdentity } = await import('../adapters/github/repository-name.js');
  const taskRepo = await repositoryIdentity({ cwd: repo, env: options.env, topLevel: repo });
  options.say(`working the tasks of ${taskRepo}`);
  await recordWorkerRepository(options.paths, options.workerId, taskRepo, options.settings.LOCK_STALE_TIMEOUT);
  const done = runWorker({
    workerId: options.workerId,
    repo,
    baseBranch,
    taskRepo,
    backend,
    reconnect: async () => (await open()).backend,
    agent,
    paths: options.paths,
    settings: options.settings,
    health,
    history,
    control,
    now: options.now,
    random: Math.random,
    say: options.say,
    ...(sandbox.host ? { sandbox: sandbox.host } : {}),
    ...(await githubLinkFor(options, repo)),
  });
  return { control, done };
}

/** Detects GitHub mode once at start and says which mode the worker is in, and why. */
async function githubLinkFor(options: StartWorkerOptions, repo: string): Promise<{ github?: GithubLink }> {
  const [{ ghContext }, { detectGithubMode }] = await Promise.all([
    import('../adapters/github/gh-api.js'),
    import('../github/pull-requests.js'),
  ]);
  const gh = ghContext(repo, options.env, options.warn, options.settings.GITHUB_MAX_WAIT);
  const mode = await detectGithubMode(gh);
  options.say(`GitHub mode: ${mode.on ? 'on' : 'off'} (${mode.why})`);
  return mode.on ? { github: { repo: mode.repo, gh, comment: options.settings.GITHUB_COMMENT } } : {};
}

/** Once at start: which Claude Code runs the tasks, and whether it is the release known to work. */
async function showClaudeVersion(options: StartWorkerOptions): Promise<void> {
  const { checkClaudeVersion, describeVersion } = await import('../adapters/claude/version.js');
  const program = splitWords(options.settings.WORKER_AGENT_CMD)[0]!;
  const env = Object.fromEntries(Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const check = await checkClaudeVersion(program, env);
  (check.status === 'known-good' ? options.say : options.warn)(`agent: ${describeVersion(check)}`);
}
