import { ghContext } from '../adapters/github/gh-api.js';
import { requireRepository } from '../adapters/github/repository-name.js';
import { plainTitle } from './issue-context.js';
import type { QueueBackend } from '../queue/backend.js';
import { addIssues, renderAddIssues, type AddIssuesResult } from './add-issues.js';
import { parseIssueList, parsePriorityOption } from './intake.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import { buildPoolStatus, readPullRequestLinks, renderPoolStatus, type PoolStatus } from './parent-status.js';
import { openPullWatchStore, type PullWatchFile } from './pull-request-watcher.js';
import { findOverlaps, overlapLine, readChangedPulls, type Overlap } from './sibling-overlaps.js';
import { holdLines, NO_HOLDS, type DispatchHolds } from './dispatch-holds.js';
import { taskPulls } from './task-pulls.js';

/*
 * The GitHub commands of worker-queue: arguments are checked before GitHub or the queue is asked
 * anything, because they may come from a slash command's $ARGUMENTS.
 */

export interface GithubCommandContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly openBackend: () => Promise<QueueBackend>;
  readonly notice: (line: string) => void;
  /** GITHUB_MAX_WAIT: the command's whole wait for rate limits. */
  readonly maxRateWaitMs: number;
}

export interface AddIssuesOptions {
  readonly priority?: string;
  readonly repo?: string;
  readonly dryRun?: boolean;
}

export async function runAddIssues(
  context: GithubCommandContext,
  words: readonly string[],
  options: AddIssuesOptions,
): Promise<{ result: AddIssuesResult; text: string }> {
  const parents = parseIssueList(words);
  const priority = options.priority === undefined ? undefined : parsePriorityOption(options.priority);
  const repo = await requireRepository({
    ...(options.repo === undefined ? {} : { flag: options.repo }),
    env: context.env,
    cwd: context.cwd,
  });
  const gh = ghContext(context.cwd, context.env, context.notice, context.maxRateWaitMs);
  const dryRun = options.dryRun === true;
  const result = await addIssues(gh, context.openBackend, { repo, parents, dryRun, ...(priority === undefined ? {} : { priority }) });
  return { result, text: renderAddIssues(result, dryRun) };
}

/**
 * `worker-queue add` in GitHub mode: one sentence when the sub-issue is closed on GitHub (add-issues
 * skips closed ones; `add` names one on purpose, so it is queued, and said). Outside GitHub mode, or
 * when GitHub cannot be asked, nothing: `add` never fails on GitHub's account.
 */
export async function closedIssueWarning(
  context: Pick<GithubCommandContext, 'cwd' | 'env' | 'notice' | 'maxRateWaitMs'>,
  subissue: string,
  taskId: string,
): Promise<string | undefined> {
  const { detectGithubMode } = await import('./pull-requests.js');
  const { getIssue } = await import('../adapters/github/rest-resources.js');
  try {
    const gh = ghContext(context.cwd, context.env, context.notice, context.maxRateWaitMs);
    const mode = await detectGithubMode(gh);
    if (!mode.on) return undefined;
    const issue = await getIssue(gh, mode.repo, Number(subissue));
    if (issue.state !== 'closed') return undefined;
    return `#${subissue} is closed on GitHub (${mode.repo}); it was queued anyway because you named it: worker-queue remove ${taskId} takes it out.`;
  } catch {
    return undefined;
  }
}

/** Open pull requests of the shown parents that change the same files; none without a repository or a watcher's file. */
async function siblingOverlaps(
  repoDir: string | undefined,
  watched: PullWatchFile | undefined,
  only: readonly string[],
): Promise<Overlap[]> {
  if (repoDir === undefined || watched === undefined) return [];
  const pulls = await readChangedPulls(repoDir, watched).catch(() => []);
  const shown = new Set(pulls.filter((pull) => only.length === 0 || only.includes(pull.parent)).map((pull) => pull.pr_number));
  return findOverlaps(pulls).filter((overlap) => overlap.prs.some((number) => shown.has(number)));
}

export async function runStatus(
  openBackend: () => Promise<QueueBackend>,
  history: Pick<TaskHistoryStore, 'read'>,
  words: readonly string[],
  now: Date,
  dataRoot?: string,
  /** What holds new work back (budgets, MAX_OPEN_PRS), shown above the parents. */
  readHolds?: () => Promise<DispatchHolds>,
  /** The repository shown (docs/SPEC.md section 8.2); undefined: every repository (--all). */
  repo?: string,
  /** The repository whose git says which files each open pull request changes (overlaps, docs/SPEC.md section 14.6). */
  repoDir?: string,
): Promise<{ status: PoolStatus & { readonly holds?: DispatchHolds; readonly overlaps?: readonly Overlap[] }; text: string }> {
  const only = words.length === 0 ? [] : parseIssueList(words).map(String);
  const [tasks, links, watched, holds] = await Promise.all([
    (await openBackend()).list(),
    readPullRequestLinks(history),
    dataRoot === undefined ? undefined : openPullWatchStore({ root: dataRoot }).read(),
    readHolds === undefined ? undefined : readHolds().catch(() => NO_HOLDS),
  ]);
  const pulls = taskPulls(tasks, links, watched ?? { version: 1, pulls: {} });
  const status = buildPoolStatus(tasks, pulls, now, only, repo);
  const lines = holds === undefined ? [] : holdLines(holds);
  const overlaps = await siblingOverlaps(repoDir, watched, only);
  return {
    status: { ...status, ...(holds === undefined ? {} : { holds }), ...(overlaps.length === 0 ? {} : { overlaps }) },
    text: [...lines, renderPoolStatus(status), ...overlaps.map((overlap) => overlapLine(overlap))].join('\n'),
  };
}

export interface PlanOptions {
  readonly max?: string;
  readonly yes?: boolean;
  readonly repo?: string;
}

export interface PlanDeps extends GithubCommandContext {
  readonly claudeProgram: string;
  /** Asks on a terminal; undefined when there is none (then only --yes creates). */
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
  readonly print: (text: string) => void;
}

/** `plan PARENT`: ask Claude Code for sub-issues, show them, create and queue them on confirmation. */
export async function runPlan(
  deps: PlanDeps,
  word: string,
  options: PlanOptions,
): Promise<{ created: number[]; queued: AddIssuesResult | null }> {
  const [parent] = parseIssueList([word]);
  const { PLAN_MAX, askClaudeForPlan, createPlannedIssues, parsePlanMax, planPrompt, readParentData } = await import('./plan-issues.js');
  const max = options.max === undefined ? PLAN_MAX : parsePlanMax(options.max);
  const repo = await requireRepository({ ...(options.repo === undefined ? {} : { flag: options.repo }), env: deps.env, cwd: deps.cwd });
  const gh = ghContext(deps.cwd, deps.env, deps.notice, deps.maxRateWaitMs);
  const { data, existing } = await readParentData(gh, repo, parent!);
  if (existing.length > 0)
    deps.print(
      `#${parent} already has ${existing.length} sub-issue(s):\n${existing.map((sub) => `  #${sub.number} (${sub.state}) ${plainTitle(sub.title)}`).join('\n')}\nPlanning only what they leave out.`,
    );
  const plan = await askClaudeForPlan(
    deps.claudeProgram,
    deps.cwd,
    deps.env,
    planPrompt(parent!, data, max, existing.length),
    max,
    existing.length > 0 ? 0 : undefined,
  );
  if (plan.length === 0) {
    deps.print(`The sub-issues #${parent} has cover it: nothing to create. worker-queue add-issues ${parent} queues them.`);
    return { created: [], queued: null };
  }
  deps.print(plan.map((issue, index) => `${index + 1}. ${plainTitle(issue.title)}`).join('\n'));
  const go =
    options.yes === true ||
    (deps.confirm !== undefined && (await deps.confirm(`Create these ${plan.length} sub-issues of #${parent} in ${repo} and queue them?`)));
  if (!go) {
    deps.print(deps.confirm === undefined ? 'Nothing created: pass --yes to create them without a terminal.' : 'Nothing created.');
    return { created: [], queued: null };
  }
  const created = await createPlannedIssues(gh, repo, parent!, plan);
  const queued = await addIssues(gh, deps.openBackend, { repo, parents: [parent!], dryRun: false });
  deps.print(`Created ${created.map((number) => `#${number}`).join(', ')} under #${parent}.\n${renderAddIssues(queued, false)}`);
  return { created, queued };
}
