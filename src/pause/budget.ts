/**
 * Budgets (docs/SPEC.md section 11.1): what the agents spent, per day of BUDGET_TZ and per parent
 * issue, from the costs they reported in the task history, and whether a budget is reached. Pure:
 * the clock and the time zone are parameters.
 */
import type { PerformanceRecord } from '../history/history-record.js';

/** What was spent in one scope: the reported dollars, and the runs whose agent reported no cost. */
export interface CostSum {
  usd: number;
  /** Records of runs (attempts > 0) without a reported cost: unknown, never counted as $0. */
  unknown: number;
}

export interface Spend {
  /** Today, `YYYY-MM-DD` in the time zone. */
  readonly today: string;
  /** Per day `YYYY-MM-DD`, oldest first when listed. */
  readonly days: Map<string, CostSum>;
  /** Per parent issue, over every day. */
  readonly parents: Map<string, CostSum>;
}

export type SpendRecord = Pick<PerformanceRecord, 'parent' | 'cost_usd' | 'attempts' | 'endedAt'>;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The day (`YYYY-MM-DD`) of the instant `ms` in the time zone. */
export function dayIn(ms: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(ms);
}

const add = (sums: Map<string, CostSum>, key: string, record: SpendRecord) => {
  let sum = sums.get(key);
  if (sum === undefined) sums.set(key, (sum = { usd: 0, unknown: 0 }));
  if (record.cost_usd !== undefined) sum.usd += record.cost_usd;
  else sum.unknown += 1;
};

/** A spend being summed record by record (the history is streamed). */
export class SpendTally {
  private readonly days = new Map<string, CostSum>();
  private readonly parents = new Map<string, CostSum>();

  constructor(private readonly timeZone: string) {}

  add(record: SpendRecord): void {
    // A task that never ran its agent spent nothing, and is not an unknown either.
    if (record.attempts === 0 && record.cost_usd === undefined) return;
    add(this.days, dayIn(record.endedAt, this.timeZone), record);
    if (record.parent !== '') add(this.parents, record.parent, record);
  }

  result(now: Date): Spend {
    return { today: dayIn(now.getTime(), this.timeZone), days: this.days, parents: this.parents };
  }
}

/** The spend of `records` as of `now` in `timeZone`. */
export function computeSpend(records: Iterable<SpendRecord>, now: Date, timeZone: string): Spend {
  const tally = new SpendTally(timeZone);
  for (const record of records) tally.add(record);
  return tally.result(now);
}

/** Budgets a person raised with `worker-manager resume --budget`: today's, and per parent. */
export interface BudgetRaises {
  /** Today's daily budget, for that day only: a new day starts from BUDGET_DAILY_USD again. */
  readonly daily: { readonly day: string; readonly usd: number } | null;
  readonly parents: Readonly<Record<string, number>>;
}

export const NO_RAISES: BudgetRaises = { daily: null, parents: {} };

export interface BudgetSettings {
  readonly BUDGET_DAILY_USD: number;
  readonly BUDGET_PARENT_USD: number;
}

export type BudgetLevel = 'ok' | 'warning' | 'reached';

export interface BudgetLook {
  readonly scope: 'today' | 'parent';
  /** The parent issue, for scope `parent`. */
  readonly parent?: string;
  /** The day (`YYYY-MM-DD` in BUDGET_TZ), for scope `today`. */
  readonly day?: string;
  readonly spentUsd: number;
  readonly limitUsd: number;
  readonly unknown: number;
  readonly level: BudgetLevel;
}

/** At this share of a budget the person is warned. */
export const WARNING_SHARE = 0.8;

const levelOf = (spent: number, limit: number): BudgetLevel =>
  spent >= limit ? 'reached' : spent >= WARNING_SHARE * limit ? 'warning' : 'ok';

const look = (scope: BudgetLook['scope'], sum: CostSum | undefined, limitUsd: number, parent?: string): BudgetLook => ({
  scope,
  ...(parent === undefined ? {} : { parent }),
  spentUsd: sum?.usd ?? 0,
  limitUsd,
  unknown: sum?.unknown ?? 0,
  level: levelOf(sum?.usd ?? 0, limitUsd),
});

/** Today's budget and each parent's that is set (0 is off), with their levels. */
export function budgetLooks(spend: Spend, settings: BudgetSettings, raises: BudgetRaises): BudgetLook[] {
  const looks: BudgetLook[] = [];
  const daily = raises.daily?.day === spend.today ? raises.daily.usd : settings.BUDGET_DAILY_USD;
  if (daily > 0) looks.push({ ...look('today', spend.days.get(spend.today), daily), day: spend.today });
  const parents = new Set([...spend.parents.keys(), ...Object.keys(raises.parents)]);
  for (const parent of [...parents].sort()) {
    const limit = raises.parents[parent] ?? settings.BUDGET_PARENT_USD;
    if (limit > 0) looks.push(look('parent', spend.parents.get(parent), limit, parent));
  }
  return looks;
}

export const formatUsd = (usd: number) => `$${usd.toFixed(2)}`;

const unknownNote = (unknown: number) =>
  unknown === 0 ? '' : ` (+ ${unknown} run${unknown === 1 ? '' : 's'} of unknown cost: the agent reported none)`;

/** "budget reached: $X of $Y today" (or "for parent #N"), the words every status view shows. */
export function describeBudget(look: BudgetLook): string {
  const scope = look.scope === 'today' ? 'today' : `for parent #${look.parent ?? ''}`;
  const what = look.level === 'reached' ? 'budget reached' : look.level === 'warning' ? 'budget at 80%' : 'budget';
  return `${what}: ${formatUsd(look.spentUsd)} of ${formatUsd(look.limitUsd)} ${scope}${unknownNote(look.unknown)}`;
}

/** The command that raises the budget (or lifts it: 0 is off only in the settings). */
export const raiseCommand = (look: BudgetLook) =>
  look.scope === 'today'
    ? `worker-manager resume --budget USD (raises today's budget; a new day starts fresh)`
    : `worker-manager resume --budget USD --parent ${look.parent ?? ''}`;

/**
 * The budget that stops a new attempt of a task of `parent` (or, with no parent, any new claim:
 * today's), or null. A parent's reached budget stops only its own tasks.
 */
export function reachedFor(looks: readonly BudgetLook[], parent?: string): BudgetLook | null {
  return looks.find((entry) => entry.level === 'reached' && (entry.scope === 'today' || entry.parent === parent)) ?? null;
}

/** One budget on one day at one limit: a new day or a raise is a new budget, warned of afresh. */
export const budgetKey = (look: BudgetLook) =>
  look.scope === 'today' ? `today:${look.day ?? ''}:${look.limitUsd}` : `parent:${look.parent ?? ''}:${look.limitUsd}`;
