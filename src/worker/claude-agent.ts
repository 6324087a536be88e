import type { AgentAdapter, AgentUsage, AgentVerdict, FinishedRun, TaskFacts } from '../agent/agent-adapter.js';
import { taskEnvironment } from '../agent/agent-adapter.js';
import { CLAUDE_VARIABLES, inheritedNames, writeTaskPrompt } from '../agent/agent-environment.js';
import { classifyRun, type ClaudeOutcome } from '../adapters/claude/classify.js';
import { allowedToolsFor, buildClaudeInvocation, configDirFor, newSession, type PermissionMode } from '../adapters/claude/invocation.js';
import { ClaudeRunWatch, parseClaudeOutputFile } from '../adapters/claude/output-file.js';
import { renderPrompt } from '../agent/task-prompt.js';
import type { RunUsage } from '../adapters/claude/usage.js';
import { DEFAULT_SETTINGS, type Settings } from '../core/settings.js';

/*
 * The Claude Code adapter (src/adapters/claude/: argv, stream-json, outcome classes) wrapped as
 * the worker's AgentAdapter. It lives in the worker, the one place that knows both the agent seam
 * and the tool adapters, so neither of those folders imports the other.
 */

export interface ClaudeAgentConfig {
  readonly program: string;
  readonly model: string;
  readonly permissionMode: PermissionMode;
  readonly allowedTools: readonly string[];
  readonly maxTurns: number;
  readonly maxBudgetUsd: number;
  readonly configDirTemplate: string;
  readonly promptTemplate: string;
  /** AGENT_ENV_PASS: names of the worker's environment Claude Code also gets. */
  readonly pass: string;
  readonly now: () => Date;
  readonly newSessionId?: () => string;
}

type ClaudeSettings = Pick<
  Settings,
  | 'CLAUDE_MODEL'
  | 'CLAUDE_PERMISSION_MODE'
  | 'CLAUDE_ALLOWED_TOOLS'
  | 'CLAUDE_MAX_TURNS'
  | 'CLAUDE_MAX_BUDGET_USD'
  | 'CLAUDE_CONFIG_DIR_TEMPLATE'
  | 'CLAUDE_PROMPT_TEMPLATE'
  | 'AGENT_ENV_PASS'
>;

/** `sandboxed`: the worker runs its agents inside the sandbox, so the default tool list widens (docs/SPEC.md section 15.2). */
export function claudeAgentConfig(settings: ClaudeSettings, program: string, now: () => Date, sandboxed = false): ClaudeAgentConfig {
  return {
    program,
    model: settings.CLAUDE_MODEL,
    permissionMode: settings.CLAUDE_PERMISSION_MODE,
    allowedTools: allowedToolsFor(settings.CLAUDE_ALLOWED_TOOLS, DEFAULT_SETTINGS.CLAUDE_ALLOWED_TOOLS, sandboxed),
    maxTurns: settings.CLAUDE_MAX_TURNS,
    maxBudgetUsd: settings.CLAUDE_MAX_BUDGET_USD,
    configDirTemplate: settings.CLAUDE_CONFIG_DIR_TEMPLATE,
    promptTemplate: settings.CLAUDE_PROMPT_TEMPLATE,
    pass: settings.AGENT_ENV_PASS,
    now,
  };
}

/**
 * Backends give a run a stdin that may be a pipe left open; `claude -p` then waits 3 s and warns
 * (docs/CLAUDE-CODE.md section 2). The shell only redirects stdin and execs, so the pid is claude's.
 */
const withStdinFromDevNull = (argv: readonly string[]) => ['sh', '-c', 'exec "$@" </dev/null', 'claude-run', ...argv];

/**
 * A prompt with issue text goes on stdin from its private file (TASK_PROMPT_FILE): argv is
 * readable by every local user in `ps`, and issues of private repositories are private.
 */
const withStdinFromFile = (argv: readonly string[]) => ['sh', '-c', 'exec "$@" <"$TASK_PROMPT_FILE"', 'claude-run', ...argv];

export interface ClaudeAgent extends AgentAdapter {
  /** The full outcome, with usage, for callers that want more than the verdict. */
  outcomeOf(run: FinishedRun): Promise<ClaudeOutcome>;
}

/** The Claude Code agent behind the worker's AgentAdapter seam. */
export function claudeAgent(config: ClaudeAgentConfig): ClaudeAgent {
  const outcomeOf = async (run: FinishedRun): Promise<ClaudeOutcome> => {
    const summary = run.outputFile ? await parseClaudeOutputFile(run.outputFile) : { cliText: [] };
    return classifyRun({ summary, exitCode: run.exitCode, now: config.now() });
  };
  return {
    name: 'claude',
    prepare(facts: TaskFacts, options) {
      const session = options.resumeSessionId ? { kind: 'resume' as const, id: options.resumeSessionId } : newSession(config.newSessionId);
      // A session lives in the state directory it was created under, which may be another worker's.
      const configDir = configDirFor(
        config.configDirTemplate,
        session.kind === 'resume' ? (options.resumeWorkerId ?? facts.workerId) : facts.workerId,
      );
      const prompt = renderPrompt(config.promptTemplate, facts);
      const promptFile = writeTaskPrompt(options.outputFile, prompt);
      const onStdin = facts.issue !== undefined;
      const invocation = buildClaudeInvocation({
        program: config.program,
        prompt: onStdin ? undefined : prompt,
        session,
        model: config.model,
        permissionMode: config.permissionMode,
        allowedTools: config.allowedTools,
        maxTurns: config.maxTurns,
        maxBudgetUsd: config.maxBudgetUsd,
        ...(configDir ? { configDir } : {}),
      });
      return {
        run: {
          argv: onStdin ? withStdinFromFile(invocation.argv) : withStdinFromDevNull(invocation.argv),
          cwd: facts.worktree,
          env: { ...taskEnvironment(facts), ...invocation.env, TASK_PROMPT_FILE: promptFile },
          inherit: inheritedNames(CLAUDE_VARIABLES, config.pass),
          outputFile: options.outputFile,
        },
        sessionId: invocation.sessionId,
      };
    },
    outcomeOf,
    async interpret(run) {
      return toVerdict(await outcomeOf(run));
    },
    watch(outputFile) {
      const watch = new ClaudeRunWatch(outputFile);
      return {
        async check() {
          const outcome = await watch.check();
          return outcome ? toVerdict(outcome) : undefined;
        },
      };
    },
  };
}

const agentUsage = (usage: RunUsage | undefined): AgentUsage =>
  usage
    ? {
        sessionId: usage.sessionId,
        costUsd: usage.costUsd,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        numTurns: usage.numTurns,
      }
    : {};

export function toVerdict(outcome: ClaudeOutcome): AgentVerdict {
  const usage = agentUsage(outcome.usage);
  switch (outcome.kind) {
    case 'success':
      return { kind: 'finished', ...usage };
    case 'agent_error':
      return {
        kind: 'failed',
        errorClass: 'agent_error',
        message: outcome.message,
        retry: outcome.retry,
        ...(outcome.resumeFailed ? { resumeFailed: true } : {}),
        ...usage,
      };
    case 'transient':
      return { kind: 'failed', errorClass: 'agent_error', message: `transient API error: ${outcome.message}`, retry: true, ...usage };
    case 'max_turns':
      // Another attempt with the same cap would most likely stop at it again: a person decides.
      return { kind: 'failed', errorClass: 'max_turns', message: outcome.message, retry: false, ...usage };
    case 'auth_failure':
      return { kind: 'failed', errorClass: 'auth_error', message: outcome.message, retry: false, ...usage };
    case 'usage_limit':
      return {
        kind: 'failed',
        errorClass: 'usage_limit',
        message: outcome.message,
        retry: true,
        ...(outcome.resetsAt ? { resetsAt: outcome.resetsAt.toISOString() } : {}),
        ...(outcome.limitType ? { limitType: outcome.limitType } : {}),
        ...usage,
      };
  }
}
