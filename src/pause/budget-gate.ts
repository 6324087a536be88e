/**
 * The budgets in force, read from the task history (every host's on postgres) and the raises: the
 * workers ask before each claim and each new attempt, the status views and the notifier to show
 * them. With no budget set nothing is read.
 */
import type { Settings } from '../core/settings.js';
import type { TaskHistoryStore } from '../history/task-history-store.js';
import { budgetLooks, reachedFor, SpendTally, type BudgetLook, type Spend } from './budget.js';
import type { BudgetRaiseStore } from './budget-raises.js';

export type BudgetGateSettings = Pick<Settings, 'BUDGET_DAILY_USD' | 'BUDGET_PARENT_USD' | 'BUDGET_TZ'>;

export const budgetsSet = (settings: BudgetGateSettings) => settings.BUDGET_DAILY_USD > 0 || settings.BUDGET_PARENT_USD > 0;

/** Streams the history into a spend as of `now`. */
export async function readSpend(history: Pick<TaskHistoryStore, 'read'>, now: Date, timeZone: string): Promise<Spend> {
  const tally = new SpendTally(timeZone);
  await history.read({ add: (record) => tally.add(record), skip: () => undefined });
  return tally.result(now);
}

export interface BudgetGateOptions {
  readonly history: Pick<TaskHistoryStore, 'read'>;
  readonly raises: BudgetRaiseStore;
  readonly settings: BudgetGateSettings;
  readonly now: () => Date;
  /** A look this young is reused: an idle worker asks before every poll of the queue. */
  readonly cacheMs?: number;
}

export class BudgetGate {
  private cached: { readonly atMs: number; readonly looks: BudgetLook[] } | undefined;

  constructor(private readonly options: BudgetGateOptions) {}

  /** The budgets set (raised ones included) and how far each is spent; [] when none is set. */
  async looks(): Promise<BudgetLook[]> {
    const { settings } = this.options;
    const raises = await this.options.raises.read();
    if (!budgetsSet(settings) && raises.daily === null && Object.keys(raises.parents).length === 0) return [];
    const now = this.options.now();
    if (this.cached !== undefined && now.getTime() - this.cached.atMs < (this.options.cacheMs ?? 0)) return this.cached.looks;
    const spend = await readSpend(this.options.history, now, settings.BUDGET_TZ);
    const looks = budgetLooks(spend, settings, raises);
    this.cached = { atMs: now.getTime(), looks };
    return looks;
  }

  /** Forgets the cached look (this worker just recorded a cost). */
  forget(): void {
    this.cached = undefined;
  }

  /** The reached budget that stops a new attempt (of a task of `parent`), or null. */
  async reached(parent?: string): Promise<BudgetLook | null> {
    return reachedFor(await this.looks(), parent);
  }
}

/**
 * Said at start by setup and the manager: a command agent reports a cost only if it writes
 * AGENT_USAGE_FILE, so a budget may never see what it spends. Null when no budget is set or the
 * agent is Claude Code (its result carries the cost).
 */
export function budgetEnforcementWarning(settings: BudgetGateSettings, agentReportsCost: boolean): string | null {
  if (!budgetsSet(settings) || agentReportsCost) return null;
  const names = [settings.BUDGET_DAILY_USD > 0 ? 'BUDGET_DAILY_USD' : '', settings.BUDGET_PARENT_USD > 0 ? 'BUDGET_PARENT_USD' : '']
    .filter(Boolean)
    .join(' and ');
  return `${names} cannot be enforced for certain: WORKER_AGENT_CMD is a command agent, which reports a cost only by writing AGENT_USAGE_FILE; its runs without one count as unknown, not as spend.`;
}
