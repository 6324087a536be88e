import type { PullState } from './pull-request-watch.js';

/*
 * The merge train of AUTO_MERGE (docs/SPEC.md section 14.7): per parent issue, its open pull
 * requests in dependency order (a task's blockers first, then by number), and the one to merge
 * now. Pure: the watcher brings the states and the blockers. One merge per parent per round: the
 * base moved, so the others are looked at again before the next one merges.
 */

export interface TrainPull {
  readonly task_id: string;
  readonly parent: string;
  readonly pr_number: number;
  readonly state: PullState;
  /** A merge of this head was refused by GitHub: the person was told, the train waits for them. */
  readonly refused: boolean;
}

export interface TrainStep {
  readonly parent: string;
  /** The parent's open pull requests, blockers first. */
  readonly order: readonly TrainPull[];
  /** The pull request to merge now, or null. */
  readonly merge: TrainPull | null;
  /** The first pull request that is not ready (or was refused): nothing after it merges. */
  readonly stoppedAt: TrainPull | null;
}

const isOpen = (state: PullState) => state !== 'merged' && state !== 'closed';

/**
 * Blockers first: a pull request comes after every open pull request its task waits on (its
 * blockers, as task ids), then by number. A cycle (never claimed, so rare here) keeps number order.
 */
export function mergeOrder(pulls: readonly TrainPull[], blockers: ReadonlyMap<string, readonly string[]>): TrainPull[] {
  const pending = [...pulls].sort((a, b) => a.pr_number - b.pr_number);
  const present = new Set(pending.map((pull) => pull.task_id));
  const placed = new Set<string>();
  const order: TrainPull[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((pull) =>
      (blockers.get(pull.task_id) ?? []).every((blocker) => !present.has(blocker) || placed.has(blocker)),
    );
    const [next] = pending.splice(index === -1 ? 0 : index, 1);
    order.push(next!);
    placed.add(next!.task_id);
  }
  return order;
}

/**
 * Per parent, what to merge now. `pulls` are every followed pull request (merged and closed ones
 * too): a pull request whose blocker still has an open pull request elsewhere waits for it.
 */
export function planMergeTrain(pulls: readonly TrainPull[], blockers: ReadonlyMap<string, readonly string[]>): TrainStep[] {
  const openTasks = new Set(pulls.filter((pull) => isOpen(pull.state)).map((pull) => pull.task_id));
  const parents = [...new Set(pulls.filter((pull) => isOpen(pull.state)).map((pull) => pull.parent))].sort();
  return parents.map((parent) => {
    const order = mergeOrder(
      pulls.filter((pull) => pull.parent === parent && isOpen(pull.state)),
      blockers,
    );
    const first = order[0]!;
    const waitsElsewhere = (blockers.get(first.task_id) ?? []).some((blocker) => openTasks.has(blocker));
    const mergeable = first.state === 'ready' && !first.refused && !waitsElsewhere;
    return {
      parent,
      order,
      merge: mergeable ? first : null,
      stoppedAt: mergeable ? (order.find((pull, index) => index > 0 && pull.state !== 'ready') ?? null) : first,
    };
  });
}
