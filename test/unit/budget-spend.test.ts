import { describe, expect, it } from 'vitest';
import { budgetLooks, computeSpend, dayIn, describeBudget, NO_RAISES, reachedFor } from '../../src/pause/budget.js';
import { budgetEnforcementWarning } from '../../src/pause/budget-gate.js';

const at = (iso: string) => Date.parse(iso);
const record = (iso: string, cost_usd: number | undefined, parent = '100') => ({ parent, attempts: 1, cost_usd, endedAt: at(iso) });
const settings = { BUDGET_DAILY_USD: 10, BUDGET_PARENT_USD: 0 };

describe('budget spend', () => {
  it('counts a cost on the day of BUDGET_TZ it ended, not the UTC day', () => {
    // 23:30 UTC on the 6th is already the 7th in Paris (UTC+1), and 22:30 UTC is still the 6th.
    const records = [record('2026-12-06T22:30:00Z', 1), record('2026-12-06T23:30:00Z', 2), record('2026-12-07T12:00:00Z', 4)];
    const now = new Date('2026-12-07T13:00:00Z');
    const paris = computeSpend(records, now, 'Europe/Paris');
    expect(paris.today).toBe('2026-12-07');
    expect(paris.days.get('2026-12-07')).toEqual({ usd: 6, unknown: 0 });
    expect(paris.days.get('2026-12-06')).toEqual({ usd: 1, unknown: 0 });
    const utc = computeSpend(records, now, 'UTC');
    expect(utc.days.get('2026-12-07')).toEqual({ usd: 4, unknown: 0 });
    // New York (UTC-5): 03:00 UTC on the 7th is still the 6th there.
    expect(dayIn(at('2026-12-07T03:00:00Z'), 'America/New_York')).toBe('2026-12-06');
  });

  it('counts a run without a reported cost as unknown, never as $0, and says so', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const spend = computeSpend([record('2026-12-07T10:00:00Z', 3), record('2026-12-07T11:00:00Z', undefined)], now, 'UTC');
    expect(spend.days.get('2026-12-07')).toEqual({ usd: 3, unknown: 1 });
    const [today] = budgetLooks(spend, settings, NO_RAISES);
    expect(describeBudget(today!)).toBe('budget: $3.00 of $10.00 today (+ 1 run of unknown cost: the agent reported none)');
    // A task whose agent never ran is neither spend nor unknown.
    expect(computeSpend([{ parent: '1', attempts: 0, cost_usd: undefined, endedAt: now.getTime() }], now, 'UTC').days.size).toBe(0);
  });

  it('warns at 80%, stops at 100%, per day and per parent, and a raise for today only', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const spend = computeSpend([record('2026-12-07T10:00:00Z', 8.5, '7'), record('2026-12-06T10:00:00Z', 5, '8')], now, 'UTC');
    const both = { BUDGET_DAILY_USD: 10, BUDGET_PARENT_USD: 5 };
    const looks = budgetLooks(spend, both, NO_RAISES);
    expect(looks.map((look) => [look.scope, look.parent, look.level])).toEqual([
      ['today', undefined, 'warning'],
      ['parent', '7', 'reached'],
      ['parent', '8', 'reached'],
    ]);
    expect(reachedFor(looks)).toBeNull();
    expect(describeBudget(reachedFor(looks, '8')!)).toBe('budget reached: $5.00 of $5.00 for parent #8');
    const reached = budgetLooks(spend, { ...both, BUDGET_DAILY_USD: 8 }, NO_RAISES);
    expect(describeBudget(reachedFor(reached)!)).toBe('budget reached: $8.50 of $8.00 today');
    // Raised today: in force today; a raise of yesterday is not.
    expect(
      reachedFor(budgetLooks(spend, { ...both, BUDGET_DAILY_USD: 8 }, { daily: { day: '2026-12-07', usd: 20 }, parents: {} })),
    ).toBeNull();
    expect(
      reachedFor(budgetLooks(spend, { ...both, BUDGET_DAILY_USD: 8 }, { daily: { day: '2026-12-06', usd: 20 }, parents: {} })),
    ).not.toBeNull();
  });

  it('says at start that a command agent may report no cost', () => {
    expect(budgetEnforcementWarning({ ...settings, BUDGET_TZ: 'UTC' }, false)).toContain('BUDGET_DAILY_USD cannot be enforced for certain');
    expect(budgetEnforcementWarning({ ...settings, BUDGET_TZ: 'UTC' }, true)).toBeNull();
    expect(budgetEnforcementWarning({ BUDGET_DAILY_USD: 0, BUDGET_PARENT_USD: 0, BUDGET_TZ: 'UTC' }, false)).toBeNull();
  });
});
