// Tests that need an installed program say so here, the one way every test does it: a suite or a
// test whose programs are missing is skipped with the reason in its name, and under CI=true (where
// .ci/run installs everything) it fails instead, with the install command, so a CI run never
// passes on tests that did not run.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';
import { POSTGRES_BIN } from './postgres-bin.js';

export type Tool = 'git' | 'tmux' | 'pueue' | 'gh' | 'claude' | 'postgres' | 'chromium' | 'promtool' | 'jq' | 'bwrap';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (name: string) => (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, name)));

/** What each tool is, on this machine, and what installs it. */
const TOOLS: Record<Tool, { readonly installed: () => boolean; readonly install: string }> = {
  git: { installed: () => onPath('git'), install: 'bash scripts/install-system-deps.sh' },
  tmux: { installed: () => onPath('tmux'), install: 'bash scripts/install-system-deps.sh' },
  pueue: { installed: () => onPath('pueue') && onPath('pueued'), install: 'bash scripts/install-pueue.sh' },
  gh: { installed: () => onPath('gh'), install: 'bash scripts/install-system-deps.sh' },
  claude: { installed: () => onPath('claude'), install: 'bash scripts/install-claude.sh' },
  postgres: {
    installed: () => executable(join(POSTGRES_BIN, 'initdb')) && executable(join(POSTGRES_BIN, 'pg_ctl')),
    install: 'bash scripts/install-system-deps.sh',
  },
  chromium: { installed: () => executable('/usr/bin/chromium'), install: 'bash scripts/install-system-deps.sh' },
  promtool: { installed: () => onPath('promtool'), install: 'bash scripts/install-system-deps.sh' },
  jq: { installed: () => onPath('jq'), install: 'bash scripts/install-system-deps.sh' },
  bwrap: { installed: () => onPath('bwrap'), install: 'apt-get install -y bubblewrap' },
};

const known = new Map<Tool, boolean>();
const installed = (tool: Tool) => {
  if (!known.has(tool)) known.set(tool, TOOLS[tool].installed());
  return known.get(tool)!;
};

/** The tools of `tools` that are not installed here (none: all are). */
export function missingTools(tools: readonly Tool[]): Tool[] {
  return [...new Set(tools)].filter((tool) => !installed(tool));
}

/** True when every tool of `tools` is installed. */
export const haveTools = (tools: readonly Tool[]) => missingTools(tools).length === 0;

/** Under CI=true a missing tool fails its tests instead of skipping them. */
const strict = () => process.env.CI === 'true';

const reasonFor = (missing: readonly Tool[]) => {
  const installs = [...new Set(missing.map((tool) => TOOLS[tool].install))].join(' and ');
  return `${missing.join(', ')} not installed (${installs})`;
};

const failing = (missing: readonly Tool[]) => () => {
  throw new Error(`CI=true and ${reasonFor(missing)}: CI installs every tool the tests need, so this test may not skip.`);
};

type SuiteBody = () => void;
type TestBody = () => unknown;

/** describe(name, body) when every tool is installed; otherwise skipped, the missing tools in its name (CI: one failing test). */
export function describeWith(tools: readonly Tool[], name: string, body: SuiteBody): void {
  const missing = missingTools(tools);
  if (missing.length === 0) describe(name, body);
  else if (strict()) describe(name, () => it(`needs ${missing.join(', ')}`, failing(missing)));
  else describe.skip(`${name} [skipped: ${reasonFor(missing)}]`, body);
}

/** it(name, body, timeout) when every tool is installed; otherwise skipped, the missing tools in its name (CI: fails). */
export function itWith(tools: readonly Tool[], name: string, body: TestBody, timeout?: number): void {
  const missing = missingTools(tools);
  if (missing.length === 0) it(name, body, timeout);
  else if (strict()) it(`${name} [needs ${missing.join(', ')}]`, failing(missing));
  else it.skip(`${name} [skipped: ${reasonFor(missing)}]`, body, timeout);
}

/** The queue backends a worker test runs on; the pueue one needs Pueue as well (`backendTools`). */
export const WORKER_BACKENDS = ['embedded', 'pueue'] as const;
export type BackendName = (typeof WORKER_BACKENDS)[number];
export const backendTools = (backend: BackendName): Tool[] => (backend === 'pueue' ? ['pueue'] : []);

/** describe.each over WORKER_BACKENDS (`%s` in `name` is the backend), each suite under describeWith. */
export function describeEachBackend(tools: readonly Tool[], name: string, body: (backend: BackendName) => void): void {
  for (const backend of WORKER_BACKENDS)
    describeWith([...tools, ...backendTools(backend)], name.replaceAll('%s', backend), () => body(backend));
}

/** it.each over WORKER_BACKENDS (`%s` in `name` is the backend), each test under itWith. */
export function itEachBackend(tools: readonly Tool[], name: string, body: (backend: BackendName) => unknown, timeout?: number): void {
  for (const backend of WORKER_BACKENDS)
    itWith([...tools, ...backendTools(backend)], name.replaceAll('%s', backend), () => body(backend), timeout);
}
