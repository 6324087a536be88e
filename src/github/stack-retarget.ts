import type { EventLog } from '../core/event-log.js';
import type { GhContext } from '../adapters/github/gh-api.js';
import { rebaseStackedBranch } from '../adapters/git-stack-rebase.js';
import { retargetsDue, setPullBase, type Retarget, type StackView } from './stacking.js';

/*
 * docs/SPEC.md section 8.5: once a blocker's pull request merged, each pull request stacked on its
 * branch gets the blocker's base (PATCH /pulls/{n}) and is rebased onto it. The watcher's file is
 * the source: what it last read of every pull request of the pool.
 */

/** Retargets and rebases every stacked pull request whose blocker merged; returns what was done. */
export async function retargetStackedPulls(
  mode: { readonly repo: string; readonly gh: GhContext },
  cwd: string,
  store: {
    read(): Promise<StackView>;
    /** Forgets what was last read of the pull request, so its next look reads the new base. */
    forget(taskId: string, prNumber: number): Promise<void>;
  },
  log: EventLog,
): Promise<Retarget[]> {
  const due = retargetsDue(await store.read());
  for (const retarget of due) {
    await setPullBase(mode.gh, mode.repo, retarget.pr_number, retarget.to);
    // Its next look reads the new base: it is not retargeted twice.
    await store.forget(retarget.task_id, retarget.pr_number);
    const rebased = await rebaseStackedBranch(cwd, retarget.head, retarget.to, retarget.from);
    const what = `Pull request #${retarget.pr_number} was stacked on #${retarget.merged_pr}, which merged: its base is now ${retarget.to}`;
    if (rebased.kind === 'rebased') await log.log('INFO', `${what}, and ${retarget.head} is rebased onto it.`);
    else if (rebased.kind === 'gone') await log.log('WARN', `${what}; origin has no ${retarget.head} to rebase.`);
    else if (rebased.kind === 'failed')
      await log.log('ALERT', `${what}, but ${retarget.head} could not be rebased onto it (${rebased.message}).`);
    else
      await log.log(
        'ALERT',
        `${what}, but ${retarget.head} does not rebase onto it cleanly (conflicts in ${rebased.files.join(', ') || 'unknown files'}): resolve them on the branch and push.`,
      );
  }
  return due;
}
