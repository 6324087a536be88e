import type { TaskFacts } from '../../agent/agent-adapter.js';
import { defaultPrompt } from '../../agent/command-agent.js';

const PLACEHOLDERS: Record<string, (facts: TaskFacts) => string> = {
  subissue: (facts) => facts.subissue,
  parent: (facts) => facts.parent,
  branch: (facts) => facts.branch,
  baseBranch: (facts) => facts.baseBranch,
  worker: (facts) => String(facts.workerId),
  attempt: (facts) => String(facts.attempt),
};

/**
 * The task's prompt: CLAUDE_PROMPT_TEMPLATE with `{subissue}`, `{parent}`, `{branch}`,
 * `{baseBranch}`, `{worker}`, `{attempt}` filled in, or the default prompt of docs/SPEC.md section 7 (names the
 * sub-issue and parent, asks for a pull request) when the template is empty. Unknown braces stay.
 */
export function renderPrompt(template: string, facts: TaskFacts): string {
  if (template.trim() === '') return defaultPrompt(facts);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => PLACEHOLDERS[name]?.(facts) ?? whole);
}
