/**
 * What holds new work back besides the usage pause, in the words every view shows: a reached
 * budget ("budget reached: $X of $Y today", docs/SPEC.md section 11.1) and the review wait
 * ("waiting for reviews: N open PRs", section 14.4).
 */
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import { describeBudget, raiseCommand, type BudgetLook } from '../pause/budget.js';
import { BudgetGate } from '../pause/budget-gate.js';
import { openBudgetRaises } from '../pause/budget-raises.js';
import { openPullWatchStore } from './pull-request-watcher.js';
import { reviewWait } from './review-capacity.js';

export interface DispatchHolds {
  /** Each budget set, described ("budget reached: $X of $Y today"), reached ones first. */
  readonly budgets: readonly string[];
  /** The reached budgets, each with the command that raises it; empty: none reached. */
  readonly budget_reached: readonly { readonly text: string; readonly command: string }[];
  /** "waiting for reviews: N open PRs (MAX_OPEN_PRS M)", or null. */
  readonly reviews: string | null;
}

export interface DispatchHoldsContext {
  readonly paths: Pick<DataPaths, 'root' | 'stateDir'>;
  readonly settings: Pick<Settings, 'BUDGET_DAILY_USD' | 'BUDGET_PARENT_USD' | 'BUDGET_TZ' | 'MAX_OPEN_PRS' | 'WORKER_BACKEND'>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly history: Pick<TaskHistoryStore, 'read'>;
  readonly now: () => Date;
}

export const NO_HOLDS: DispatchHolds = { budgets: [], budget_reached: [], reviews: null };

/** `cacheMs`: a look this young is reused (the notifier looks twice a second). */
export function budgetGateOf(context: DispatchHoldsContext, cacheMs = 0): BudgetGate {
  const raises = openBudgetRaises({ paths: context.paths, settings: context.settings, env: context.env, now: context.now });
  return new BudgetGate({ history: context.history, raises, settings: context.settings, now: context.now, cacheMs });
}

export const budgetLooksOf = (context: DispatchHoldsContext): Promise<BudgetLook[]> => budgetGateOf(context).looks();

export async function readDispatchHolds(context: DispatchHoldsContext): Promise<DispatchHolds> {
  const [looks, pulls] = await Promise.all([
    budgetLooksOf(context),
    context.settings.MAX_OPEN_PRS === 0
      ? { pulls: {} }
      : openPullWatchStore(context.paths)
          .read()
          .catch(() => ({ pulls: {} })),
  ]);
  const reached = looks.filter((look) => look.level === 'reached');
  return {
    budgets: [...reached, ...looks.filter((look) => look.level !== 'reached')].map(describeBudget),
    budget_reached: reached.map((look) => ({ text: describeBudget(look), command: raiseCommand(look) })),
    reviews: reviewWait(pulls, context.settings.MAX_OPEN_PRS),
  };
}

/** The lines a text view adds (empty when nothing holds and no budget is set). */
export function holdLines(holds: DispatchHolds): string[] {
  const reached = new Set(holds.budget_reached.map((entry) => entry.text));
  return [
    ...holds.budget_reached.map((entry) => `Dispatch stopped, ${entry.text} (${entry.command})`),
    ...holds.budgets.filter((text) => !reached.has(text)).map((text) => `Spend: ${text}`),
    ...(holds.reviews === null ? [] : [`Dispatch held, ${holds.reviews}`]),
  ];
}
