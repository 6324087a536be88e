import type { GhContext } from '../adapters/github/gh-api.js';
import { getIssue, listBlockedBy, listSubIssues, type Issue } from '../adapters/github/rest-resources.js';
import { blockersFirst, cycleText, findCycles, issueKey } from '../queue/blockers.js';
import { blockerName } from '../queue/task-rules.js';
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
  /** In the order the pool will follow: every sub-issue after those blocking it. */
  readonly added: readonly (IntakeEntry & {
    readonly priority: number;
    readonly task_id: string | null;
    readonly blocked_by: readonly string[];
  })[];
  readonly skipped: readonly IntakeSkip[];
  /** Dependency cycles among the queue's tasks, each as its issues: none of them starts. */
  readonly cycles: readonly (readonly string[])[];
}

/** A blocker as stored on a task of `repo`: `201` in the same repository, else `owner/name#201`. */
const storedBlocker = (repo: string, blocker: { readonly number: number; readonly repo?: string | undefined }) =>
  blocker.repo === undefined || blocker.repo === repo ? String(blocker.number) : `${blocker.repo}#${blocker.number}`;

/**
 * `worker-queue add-issues`: reads every parent, its sub-issues and their open blockers (GitHub's
 * issue dependencies) first (a GitHub failure then opens no queue and queues nothing), then adds
 * the open sub-issues not yet in the queue, blockers first, each with its open blockers.
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
  const blockers = new Map<number, string[]>();
  for (const { parent, subIssues } of plans) {
    for (const issue of candidatesOf(parent, subIssues).take) {
      if (blockers.has(issue.number)) continue;
      const open = (await listBlockedBy(gh, request.repo, issue.number)).filter((blocker) => blocker.state === 'open');
      blockers.set(
        issue.number,
        open.map((blocker) => storedBlocker(request.repo, blocker)),
      );
    }
  }
  const backend = await openBackend();
  const tasks = await backend.list();
  const added: AddIssuesResult['added'][number][] = [];
  const skipped: IntakeSkip[] = [];
  const seen = new Set<number>();
  const specs: { spec: TaskSpec; entry: IntakeEntry }[] = [];
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
      const blockedBy = blockers.get(issue.number) ?? [];
      const spec: TaskSpec = {
        ...specFor(entry, issue, request.priority),
        repo: request.repo,
        ...(blockedBy.length > 0 ? { blockedBy } : {}),
      };
      specs.push({ spec, entry });
    }
  }
  const ordered = blockersFirst(
    specs,
    ({ spec }) => spec.subissue,
    ({ spec }) => spec.blockedBy ?? [],
  );
  for (const { spec, entry } of ordered) {
    const task = request.dryRun ? undefined : await backend.add(spec);
    added.push({ ...entry, priority: spec.priority, task_id: task?.id ?? null, blocked_by: spec.blockedBy ?? [] });
  }
  const planned = ordered.map(({ spec }, index) => ({
    ...spec,
    id: `new-${index}`,
    status: 'queued' as const,
    workerId: null,
    attempts: 0,
    createdAt: '',
    claimedAt: null,
    finishedAt: null,
    lastError: null,
  }));
  const cycles = findCycles(request.dryRun ? [...tasks, ...planned] : await backend.list()).filter((cycle) =>
    cycle.some((key) => ordered.some(({ spec }) => issueKey(spec) === key)),
  );
  return { repo: request.repo, added, skipped, cycles };
}

export function renderAddIssues(result: AddIssuesResult, dryRun: boolean): string {
  const verb = dryRun ? 'Would queue' : 'Queued';
  const lines = result.added.map(
    (entry) =>
      `${verb} #${entry.subissue} "${plainTitle(entry.title)}" (parent #${entry.parent}, priority ${entry.priority}${entry.blocked_by.length > 0 ? `, after ${entry.blocked_by.map(blockerName).join(', ')}` : ''})${entry.task_id ? ` as task ${entry.task_id}` : ''}`,
  );
  for (const skip of result.skipped)
    lines.push(`Skipped #${skip.subissue} "${plainTitle(skip.title)}" (parent #${skip.parent}): ${skip.reason}`);
  if (result.added.some((entry) => entry.blocked_by.length > 0))
    lines.push(`Order: ${result.added.map((entry) => `#${entry.subissue}`).join(', ')} (each after the issues blocking it).`);
  for (const cycle of result.cycles)
    lines.push(
      `Dependency cycle: ${cycleText(cycle, result.repo)}; none of these starts until one of the dependencies is removed on GitHub.`,
    );
  const count = result.added.length;
  lines.push(
    `${dryRun ? 'Would add' : 'Added'} ${count} task${count === 1 ? '' : 's'}, skipped ${result.skipped.length}, from ${result.repo}.${count === 0 && !dryRun ? ' Nothing new to queue.' : ''}`,
  );
  return lines.join('\n');
}
