import type { GhContext } from '../adapters/github/gh-api.js';
import { getIssue, listSubIssues, type Issue } from '../adapters/github/rest-resources.js';
import { plainTitle } from './issue-context.js';
import type { QueueBackend, TaskSpec } from '../queue/backend.js';
import { alreadyQueued, candidatesOf, specFor, type IntakeEntry, type IntakeSkip } from './intake.js';

export interface AddIssuesRequest {
  readonly repo: string;
  readonly parents: readonly number[];
  readonly priority?: number;
  readonly dryRun: boolean;
}

export interface AddIssuesResult {
  readonly repo: string;
  readonly added: readonly (IntakeEntry & { readonly priority: number; readonly task_id: string | null })[];
  readonly skipped: readonly IntakeSkip[];
}

/**
 * `worker-queue add-issues`: reads every parent and its sub-issues first (a GitHub failure then
 * opens no queue and queues nothing), then adds the open sub-issues not yet in the queue, in GitHub's order.
 */
export async function addIssues(
  gh: GhContext,
  openBackend: () => Promise<QueueBackend>,
  request: AddIssuesRequest,
): Promise<AddIssuesResult> {
  const plans: { parent: Issue; subIssues: Issue[] }[] = [];
  for (const number of request.parents) {
    plans.push({ parent: await getIssue(gh, request.repo, number), subIssues: await listSubIssues(gh, request.repo, number) });
  }
  const backend = await openBackend();
  const tasks = await backend.list();
  const added: AddIssuesResult['added'][number][] = [];
  const skipped: IntakeSkip[] = [];
  const seen = new Set<number>();
  for (const { parent, subIssues } of plans) {
    const { take, closed } = candidatesOf(parent, subIssues);
    for (const issue of closed)
      skipped.push({ subissue: issue.number, parent: parent.number, title: issue.title, reason: 'closed on GitHub' });
    for (const issue of take) {
      const entry = { subissue: issue.number, parent: parent.number, title: issue.title };
      const queued = seen.has(issue.number) ? 'listed twice in this run' : alreadyQueued(tasks, issue.number, request.repo);
      seen.add(issue.number);
      if (queued) {
        skipped.push({ ...entry, reason: queued });
        continue;
      }
      const spec: TaskSpec = { ...specFor(entry, issue, request.priority), repo: request.repo };
      const task = request.dryRun ? undefined : await backend.add(spec);
      added.push({ ...entry, priority: spec.priority, task_id: task?.id ?? null });
    }
  }
  return { repo: request.repo, added, skipped };
}

export function renderAddIssues(result: AddIssuesResult, dryRun: boolean): string {
  const verb = dryRun ? 'Would queue' : 'Queued';
  const lines = result.added.map(
    (entry) =>
      `${verb} #${entry.subissue} "${plainTitle(entry.title)}" (parent #${entry.parent}, priority ${entry.priority})${entry.task_id ? ` as task ${entry.task_id}` : ''}`,
  );
  for (const skip of result.skipped)
    lines.push(`Skipped #${skip.subissue} "${plainTitle(skip.title)}" (parent #${skip.parent}): ${skip.reason}`);
  const count = result.added.length;
  lines.push(
    `${dryRun ? 'Would add' : 'Added'} ${count} task${count === 1 ? '' : 's'}, skipped ${result.skipped.length}, from ${result.repo}.${count === 0 && !dryRun ? ' Nothing new to queue.' : ''}`,
  );
  return lines.join('\n');
}
