import { splitWords } from '../core/split-words.js';
import { taskEnvironment, type AgentAdapter, type AgentVerdict, type FinishedRun, type TaskFacts } from './agent-adapter.js';

/**
 * Any command as the agent: WORKER_AGENT_CMD split into words (no shell), then the sub-issue and
 * the parent issue as trailing arguments; the task's facts also go in the environment. Exit 0 is
 * "finished", anything else an agent error worth retrying.
 */
export function commandAgent(
  command: string,
  extraArgs: (facts: TaskFacts) => string[] = (facts) => [facts.subissue, facts.parent],
): AgentAdapter {
  const words = splitWords(command);
  return {
    name: 'command',
    prepare(facts, options) {
      return {
        run: { argv: [...words, ...extraArgs(facts)], cwd: facts.worktree, env: taskEnvironment(facts), outputFile: options.outputFile },
      };
    },
    interpret(run: FinishedRun): Promise<AgentVerdict> {
      if (run.exitCode === 0) return Promise.resolve({ kind: 'finished' });
      if (run.exitCode === undefined)
        return Promise.resolve({
          kind: 'failed',
          errorClass: 'agent_error',
          message: 'the run ended without a record of its exit code',
          retry: true,
        });
      return Promise.resolve({
        kind: 'failed',
        errorClass: 'agent_error',
        message: `the agent exited with code ${run.exitCode}`,
        retry: true,
      });
    },
  };
}
