import { rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { readFile } from 'node:fs/promises';
import { parseNameList } from '../core/agent-env.js';
import type { AgentUsage } from './agent-adapter.js';

/*
 * docs/SPEC.md section 7.1: what every agent gets besides its argv. Its environment is an
 * allowlist (the backend applies it to the worker's environment: RunSpec.inherit); its prompt
 * is a private file named by TASK_PROMPT_FILE; a command agent may report its usage in the file
 * named by AGENT_USAGE_FILE.
 */

/** What every agent inherits of the worker's environment. */
export const AGENT_BASE_VARIABLES = ['PATH', 'HOME', 'USER', 'LANG', 'LC_*', 'TERM', 'TZ', 'TMPDIR'] as const;

/** Claude Code's own: credentials (ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN), ANTHROPIC_BASE_URL, its model and switches. */
export const CLAUDE_VARIABLES = ['ANTHROPIC_*', 'CLAUDE_CODE_*', 'CLAUDE_CONFIG_DIR', 'DISABLE_*', 'MAX_THINKING_TOKENS'] as const;

/** The names a run of this agent inherits: the base, the agent's own, and AGENT_ENV_PASS. */
export const inheritedNames = (own: readonly string[], pass: string): string[] => [...AGENT_BASE_VARIABLES, ...own, ...parseNameList(pass)];

/** The attempt's prompt, 0600 beside its output file: argv is readable by every local user in `ps`. */
export function writeTaskPrompt(outputFile: string, prompt: string): string {
  const file = `${outputFile}.prompt`;
  rmSync(file, { force: true });
  writeFileSync(file, prompt, { mode: 0o600 });
  return file;
}

/** Where a command agent may write its usage; a file left by an earlier run of the same attempt is removed. */
export function usageFileFor(outputFile: string): string {
  const file = `${outputFile}.usage`;
  rmSync(file, { force: true });
  return file;
}

const reportedUsage = z.object({
  cost_usd: z.number().nonnegative().finite().optional(),
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
});

/** What the agent wrote to AGENT_USAGE_FILE; nothing when it wrote nothing or something else. */
export async function readReportedUsage(outputFile: string | undefined): Promise<AgentUsage> {
  if (outputFile === undefined) return {};
  const text = await readFile(`${outputFile}.usage`, 'utf8').catch(() => undefined);
  if (text === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = reportedUsage.safeParse(json);
  if (!parsed.success) return {};
  const { cost_usd: costUsd, input_tokens: inputTokens, output_tokens: outputTokens } = parsed.data;
  return {
    ...(costUsd === undefined ? {} : { costUsd }),
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
  };
}
