/** The task facts a prompt can name (the worker's TaskFacts has them all). */
export interface PromptFacts {
  readonly subissue: string;
  readonly parent: string;
  readonly branch: string;
  readonly baseBranch: string;
  readonly workerId: number;
  readonly attempt: number;
}

const PLACEHOLDERS: Record<string, (facts: PromptFacts) => string> = {
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
export function renderPrompt(template: string, facts: PromptFacts): string {
  if (template.trim() === '') return defaultPrompt(facts);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => PLACEHOLDERS[name]?.(facts) ?? whole);
}

/** The prompt of docs/SPEC.md section 7: names the sub-issue and the parent and asks for a pull request. */
export function defaultPrompt(facts: PromptFacts): string {
  return [
    `Work on GitHub sub-issue #${facts.subissue} of parent issue #${facts.parent}.`,
    `You are in a git worktree on branch ${facts.branch}, created from ${facts.baseBranch}.`,
    'Read the sub-issue, implement it, commit your work on this branch, push it and open a pull request that references both issues.',
  ].join(' ');
}
