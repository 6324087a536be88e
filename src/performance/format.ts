import { Chalk, type ChalkInstance } from 'chalk';
import { TextTable, type Align } from '../core/text-table.js';
import type { CostReport } from './report.js';

export interface ViewOptions {
  /** chalk level: 0 for plain text. */
  readonly colorLevel: 0 | 1 | 2 | 3;
}

export const chalkFor = (options: ViewOptions): ChalkInstance => new Chalk({ level: options.colorLevel });

/** `2026-11-27 12:00:00 UTC`: views show UTC so that output never depends on the machine's zone. */
export const formatTime = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

export const formatCount = (value: number) => value.toLocaleString('en-US');

export const formatUsd = (usd: number) => `$${usd.toFixed(usd >= 1 ? 2 : 4)}`;

/** Green at 90% and above, yellow at 70%, red below; plain for a worker without tasks. */
export function colorEfficiency(chalk: ChalkInstance, percent: number, tasks: number): string {
  const text = `${percent.toFixed(1)}%`;
  if (tasks === 0) return text;
  if (percent >= 90) return chalk.green(text);
  return percent >= 70 ? chalk.yellow(text) : chalk.red(text);
}

export function describeCost(cost: CostReport): string {
  if (cost.tasks_with_cost === 0 && cost.input_tokens + cost.output_tokens === 0) return 'not reported by the agent';
  const perTask = cost.per_task_usd === null ? '' : `, ${formatUsd(cost.per_task_usd)} per task`;
  return (
    `${formatUsd(cost.total_usd)} over ${formatCount(cost.tasks_with_cost)} task(s)${perTask}; ` +
    `tokens ${formatCount(cost.input_tokens)} in, ${formatCount(cost.output_tokens)} out; ${formatCount(cost.num_turns)} turns`
  );
}

/** A borderless-style table without colours of its own, so golden files hold only our text. */
export function makeTable(head: string[], align?: Align[]): TextTable {
  return new TextTable(head, align);
}
