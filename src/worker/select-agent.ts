import { basename } from 'node:path';
import type { AgentAdapter } from '../agent/agent-adapter.js';
import { commandAgent } from '../agent/command-agent.js';
import { splitWords } from '../core/split-words.js';
import type { Settings } from '../core/settings.js';
import { claudeAgent, claudeAgentConfig } from './claude-agent.js';

/** WORKER_AGENT_CMD names Claude Code when its program is `claude` (bare or as a path). */
export const isClaudeCommand = (command: string) => basename(splitWords(command)[0]!) === 'claude';

/**
 * Picks the adapter for WORKER_AGENT_CMD: Claude Code (the default) runs through the Claude
 * adapter (stream-json, sessions, outcome classes, from the CLAUDE_* settings); any other command
 * is a plain command agent. `sandboxed`: the worker's agents run inside the sandbox.
 */
export function selectAgent(settings: Settings, now: () => Date, sandboxed = false): AgentAdapter {
  const command = settings.WORKER_AGENT_CMD;
  if (!isClaudeCommand(command))
    return commandAgent(command, { promptTemplate: settings.CLAUDE_PROMPT_TEMPLATE, pass: settings.AGENT_ENV_PASS });
  return claudeAgent(claudeAgentConfig(settings, splitWords(command)[0]!, now, sandboxed));
}
