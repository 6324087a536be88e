import { ghContext } from '../adapters/github/gh-api.js';
import { requireRepository } from '../adapters/github/repository.js';
import type { QueueBackend } from './backend.js';
import { addIssues, renderAddIssues, type AddIssuesResult } from './add-issues.js';
import { parseIssueList, parsePriorityOption } from './intake.js';
import { buildPoolStatus, readPullRequestLinks, renderPoolStatus, type PoolStatus } from './parent-status.js';

/*
 * The GitHub commands of worker-queue: arguments are checked before GitHub or the queue is asked
 * anything, because they may come from a slash command's $ARGUMENTS.
 */

export interface GithubCommandContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly openBackend: () => Promise<QueueBackend>;
  readonly notice: (line: string) => void;
}

export interface AddIssuesOptions {
  readonly priority?: string;
  readonly repo?: string;
  readonly dryRun?: boolean;
}

export async function runAddIssues(context: GithubCommandContext, words: readonly string[], options: AddIssuesOptions): Promise<{ result: AddIssuesResult; text: string }> {
  const parents = parseIssueList(words);
  const priority = options.priority === undefined ? undefined : parsePriorityOption(options.priority);
  const repo = await requireRepository({ ...(options.repo === undefined ? {} : { flag: options.repo }), env: context.env, cwd: context.cwd });
  const gh = ghContext(context.cwd, context.env, context.notice);
  const dryRun = options.dryRun === true;
  const result = await addIssues(gh, context.openBackend, { repo, parents, dryRun, ...(priority === undefined ? {} : { priority }) });
  return { result, text: renderAddIssues(result, dryRun) };
}

export async function runStatus(
  openBackend: () => Promise<QueueBackend>,
  historyFile: string,
  words: readonly string[],
  now: Date,
): Promise<{ status: PoolStatus; text: string }> {
  const only = words.length === 0 ? [] : parseIssueList(words).map(String);
  const [tasks, links] = await Promise.all([(await openBackend()).list(), readPullRequestLinks(historyFile)]);
  const status = buildPoolStatus(tasks, links, now, only);
  return { status, text: renderPoolStatus(status) };
}
