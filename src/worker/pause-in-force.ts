import { describeBudget, type BudgetLook } from '../pause/budget.js';
import type { UsagePauseRecord } from '../pause/usage-pause.js';
import type { Runtime } from './runtime.js';

/** The last read error each worker reported, so a pause file that stays broken is named once. */
const reported = new WeakMap<object, string>();

/**
 * The pool-wide pause in force, or null. A pause file that cannot be read (damaged, its lock
 * stuck) must not stop this worker for good, so it works on as if there were no pause, and says
 * so in its output, once per distinct error.
 */
export async function pauseInForce(rt: Pick<Runtime, 'pause' | 'say'>): Promise<UsagePauseRecord | null> {
  try {
    const pause = await rt.pause.current();
    reported.delete(rt);
    return pause;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (reported.get(rt) !== message) rt.say(`cannot read the usage pause (${message}): dispatching as if there were none`);
    reported.set(rt, message);
    return null;
  }
}

/**
 * The reached budget that stops a new attempt (of a task of `parent`), or null. A history or a
 * raise that cannot be read must not stop the pool for good: the worker goes on and says so once.
 */
export async function budgetInForce(rt: Pick<Runtime, 'budget' | 'say'>, parent?: string): Promise<BudgetLook | null> {
  try {
    const reached = await rt.budget.reached(parent);
    reported.delete(rt.budget);
    return reached;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (reported.get(rt.budget) !== message) rt.say(`cannot read the spend (${message}): dispatching as if no budget were reached`);
    reported.set(rt.budget, message);
    return null;
  }
}

export const budgetLine = (look: BudgetLook) => `dispatch stopped, ${describeBudget(look)}: not starting new attempts`;
