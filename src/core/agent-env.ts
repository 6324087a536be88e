/*
 * docs/SPEC.md section 7.1: an agent's environment is an allowlist. These are the pieces every
 * layer needs: which names no agent ever gets, and how a run's base environment is cut down to
 * the names it may inherit.
 */

/**
 * Never passed to an agent, whatever a setting says: GitHub's (the worker, not the agent, pushes
 * and opens pull requests), the shared database's, the dashboard's token and the notification
 * settings (webhook URLs carry secrets).
 */
const WITHHELD = [/^GH_/, /^GITHUB_/, /^WORKERS_DATABASE_URL$/, /^PG/, /^WORKERS_DASHBOARD_TOKEN$/, /^NOTIFY_/];

export const isWithheldFromAgents = (name: string): boolean => WITHHELD.some((pattern) => pattern.test(name));

/** A comma-separated list of names (a setting), blanks dropped. */
export const parseNameList = (text: string): string[] =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');

/** `NAME` matches itself; `PREFIX*` every name that starts with PREFIX. */
const matches = (pattern: string, name: string) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern);

/** The part of `base` a run inherits: the names `patterns` allow, never a withheld one. */
export function inheritedEnv(
  base: Readonly<Record<string, string | undefined>>,
  patterns: readonly string[],
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(base).filter(([name]) => !isWithheldFromAgents(name) && patterns.some((pattern) => matches(pattern, name))),
  );
}
