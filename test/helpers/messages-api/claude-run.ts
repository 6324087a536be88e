import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TaskFacts } from '../../../src/agent/agent-adapter.js';
import { claudeAgent, type ClaudeAgent } from '../../../src/worker/claude-agent.js';
import type { ClaudeOutcome } from '../../../src/adapters/claude/classify.js';
import { parseClaudeOutputFile } from '../../../src/adapters/claude/output-file.js';
import type { StreamSignal, StreamSummary } from '../../../src/adapters/claude/stream-parser.js';
import { checkClaudeVersion, type VersionCheck } from '../../../src/adapters/claude/version.js';
import { makeTempDir } from '../temp.js';
import type { MessagesApi } from './server.js';

/**
 * The real `claude` must be installed (scripts/install-claude.sh; CI runs it first). A missing
 * CLI fails the test with the fix, never skips it.
 */
export async function requireClaude(): Promise<VersionCheck> {
  try {
    return await checkClaudeVersion('claude', { PATH: process.env.PATH ?? '' });
  } catch (error) {
    throw new Error(
      `The real claude CLI is required for this test and was not usable (${(error as Error).message}). Run: bash scripts/install-claude.sh`,
    );
  }
}

/**
 * API key: the CLI's ordinary mode. OAuth: a dummy subscription token, the only mode in which
 * the CLI reads the plan-limit headers of a 429 (docs/CLAUDE-CODE.md section 9). None: no credentials at all,
 * as for a new user who never logged in.
 */
export type Auth = 'api-key' | 'oauth' | 'none';

/** The credential variables of an `auth` mode. */
export const credentialsFor = (auth: Auth): Record<string, string> =>
  auth === 'api-key'
    ? { ANTHROPIC_API_KEY: 'sk-ant-test-key' }
    : auth === 'oauth'
      ? { CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test-token' }
      : {};

export interface ClaudeSandbox {
  readonly home: string;
  readonly api: MessagesApi;
  readonly agent: ClaudeAgent;
}

/** A private HOME and CLAUDE_CONFIG_DIR per test, so nothing of the user's Claude state is read or written. */
export function claudeSandbox(api: MessagesApi, allowedTools: readonly string[]): ClaudeSandbox {
  const home = makeTempDir('hw-claude-home-');
  const agent = claudeAgent({
    program: 'claude',
    model: '',
    permissionMode: 'acceptEdits',
    allowedTools,
    maxTurns: 0,
    maxBudgetUsd: 0,
    configDirTemplate: join(home, 'claude-config', 'worker-{worker}'),
    promptTemplate: 'Work on sub-issue #{subissue} of #{parent}, then commit.',
    pass: '',
    now: () => new Date(),
  });
  return { home, api, agent };
}

function environment(sandbox: ClaudeSandbox, auth: Auth, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: sandbox.home,
    ANTHROPIC_BASE_URL: sandbox.api.url,
    ...credentialsFor(auth),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_AUTO_MEMORY: '1',
    ...extra,
  };
}

export interface AttemptResult {
  readonly exitCode: number | undefined;
  readonly sessionId: string | undefined;
  readonly outcome: ClaudeOutcome;
  readonly summary: StreamSummary;
  readonly signals: readonly StreamSignal[];
  readonly outputFile: string;
}

/**
 * One attempt exactly as a worker would start it: the agent's RunSpec (argv, cwd, env), stdout
 * and stderr into one output file, then the agent's own interpretation of that file.
 */
export async function runAttempt(
  sandbox: ClaudeSandbox,
  facts: TaskFacts,
  options: { auth?: Auth; resumeSessionId?: string; env?: Record<string, string> } = {},
): Promise<AttemptResult> {
  const outputDir = join(sandbox.home, 'runs');
  mkdirSync(outputDir, { recursive: true });
  const outputFile = join(outputDir, `attempt-${facts.attempt}-${Date.now()}.log`);
  const prepared = sandbox.agent.prepare(facts, {
    outputFile,
    ...(options.resumeSessionId ? { resumeSessionId: options.resumeSessionId } : {}),
  });
  const [program, ...args] = prepared.run.argv;
  // Both streams appended to one file, as a backend's combined log would hold them.
  const { exitCode } = await execa(program!, args, {
    cwd: prepared.run.cwd,
    env: { ...environment(sandbox, options.auth ?? 'api-key', options.env ?? {}), ...prepared.run.env },
    extendEnv: false,
    stdin: 'ignore',
    stdout: { file: outputFile, append: true },
    stderr: { file: outputFile, append: true },
    reject: false,
    timeout: 120_000,
  });
  const signals: StreamSignal[] = [];
  const summary = await parseClaudeOutputFile(outputFile, { onSignal: (signal) => signals.push(signal) });
  const outcome = await sandbox.agent.outcomeOf({ exitCode: exitCode ?? 1, outputFile });
  return { exitCode, sessionId: prepared.sessionId, outcome, summary, signals, outputFile };
}

export const factsFor = (worktree: string, attempt = 1, workerId = 1): TaskFacts => ({
  queueTaskId: '1',
  subissue: '42',
  parent: '40',
  workerId,
  worktree,
  branch: 'main',
  baseBranch: 'main',
  attempt,
});
