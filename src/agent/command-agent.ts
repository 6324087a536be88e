import { splitWords } from '../core/split-words.js';
import { taskEnvironment, type AgentAdapter, type AgentVerdict, type FinishedRun, type TaskFacts } from './agent-adapter.js';
import { inheritedNames, readReportedUsage, usageFileFor, writeTaskPrompt } from './agent-environment.js';
import { renderPrompt } from './task-prompt.js';

export interface CommandAgentOptions {
  /** The trailing arguments (default: the sub-issue and the parent issue). */
  readonly extraArgs?: (facts: TaskFacts) => string[];
  /** CLAUDE_PROMPT_TEMPLATE: the one prompt every agent gets (empty: the default prompt). */
  readonly promptTemplate?: string;
  /** AGENT_ENV_PASS: names of the worker's environment the agent also gets. */
  readonly pass?: string;
}

/**
 * Any command as the agent: WORKER_AGENT_CMD split into words (no shell), then the sub-issue and
 * the parent issue as trailing arguments; the task's facts also go in the environment, its prompt
 * in the file TASK_PROMPT_FILE names (docs/SPEC.md section 7.1). Exit 0 is "finished", anything
 * else an agent error worth retrying; usage it wrote to AGENT_USAGE_FILE is counted either way.
 */
export function commandAgent(command: string, options: CommandAgentOptions = {}): AgentAdapter {
  const words = splitWords(command);
  const extraArgs = options.extraArgs ?? ((facts: TaskFacts) => [facts.subissue, facts.parent]);
  return {
    name: 'command',
    prepare(facts, attempt) {
      const promptFile = writeTaskPrompt(attempt.outputFile, renderPrompt(options.promptTemplate ?? '', facts));
      return {
        run: {
          argv: [...words, ...extraArgs(facts)],
          cwd: facts.worktree,
          env: { ...taskEnvironment(facts), TASK_PROMPT_FILE: promptFile, AGENT_USAGE_FILE: usageFileFor(attempt.outputFile) },
          inherit: inheritedNames([], options.pass ?? ''),
          outputFile: attempt.outputFile,
        },
      };
    },
    async interpret(run: FinishedRun): Promise<AgentVerdict> {
      const usage = await readReportedUsage(run.outputFile);
      if (run.exitCode === 0) return { kind: 'finished', ...usage };
      return {
        kind: 'failed',
        errorClass: 'agent_error',
        message:
          run.exitCode === undefined ? 'the run ended without a record of its exit code' : `the agent exited with code ${run.exitCode}`,
        retry: true,
        ...usage,
      };
    },
  };
}
