import { WorkersError } from '../core/errors.js';

/** What `--allow-actions` lets the page do; each resolves to a sentence for the person who asked. */
export interface DashboardActions {
  retry(task: string): Promise<string>;
  kill(task: string): Promise<string>;
  resume(): Promise<string>;
  restart(worker: number): Promise<string>;
}

export const ACTION_NAMES = ['retry', 'kill', 'resume', 'restart'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** A task reference (src/queue/task-ref.ts checks its form): one printable line. */
const TASK_REF = /^[^\s\p{Cc}]{1,300}$/u;

/** Checks an action's JSON body and runs it. */
export async function runAction(actions: DashboardActions, name: ActionName, body: unknown): Promise<string> {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (name === 'resume') return actions.resume();
  if (name === 'restart') {
    const worker = fields.worker;
    if (typeof worker !== 'number' || !Number.isInteger(worker) || worker < 1 || worker > 9999)
      throw new WorkersError('usage', 'Give the worker to restart as {"worker": N}.');
    return actions.restart(worker);
  }
  const task = fields.task;
  if (typeof task !== 'string' || !TASK_REF.test(task))
    throw new WorkersError('usage', `Give the task to ${name} as {"task": "REF"}: 201, #201, owner/name#201 or id:12.`);
  return name === 'retry' ? actions.retry(task) : actions.kill(task);
}
