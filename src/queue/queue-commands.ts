import { readFile } from 'node:fs/promises';
import { WorkersError, errnoCode } from '../core/errors.js';
import type { QueueBackend, QueueTask } from './backend.js';
import { planQueueTxtImport, type QueueTxtPlan } from './import-queue-txt.js';
import type { QueueSnapshot } from './queue-views.js';
import { isFinished } from './task-rules.js';
import { notFound } from './backend-options.js';

export async function snapshotQueue(backend: QueueBackend, now: Date): Promise<QueueSnapshot> {
  const [tasks, depth] = await Promise.all([backend.list(), backend.depth()]);
  return { backend: backend.name, generatedAt: now.toISOString(), depth, tasks };
}

/** `retry ID`: a finished task goes back to the queue with a fresh attempt budget. */
export async function retryTask(backend: QueueBackend, id: string): Promise<QueueTask> {
  const task = await backend.get(id);
  if (!task) throw notFound(id);
  if (!isFinished(task)) {
    const holder = task.workerId === null ? '' : ` by worker ${task.workerId}`;
    throw new WorkersError('conflict', `Task ${id} is ${task.status}${holder}; only done, failed or review tasks can be retried.`);
  }
  await backend.requeue(id, { attempts: 0 });
  return { ...task, status: 'queued', workerId: null, attempts: 0 };
}

export interface ImportResult {
  readonly imported: number;
  readonly skippedFinished: number;
  readonly skippedActive: readonly string[];
}

/** Reads and checks the whole file before any queue is opened. */
export async function planQueueTxtFile(file: string): Promise<QueueTxtPlan> {
  return planQueueTxtImport(await readQueueTxt(file), file);
}

async function readQueueTxt(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new WorkersError('usage', `There is no file ${file} to import; give the path of the shell tool's queue.txt.`);
    throw new WorkersError('usage', `Cannot read ${file}: ${(error as Error).message}.`);
  }
}

/** `import [FILE]`: adds what planQueueTxtFile accepted, skipping sub-issues already active. */
export async function importPlan(backend: QueueBackend, plan: QueueTxtPlan): Promise<ImportResult> {
  const { added, skippedActive } = await backend.addMany(plan.toImport);
  return { imported: added, skippedFinished: plan.finished, skippedActive };
}
