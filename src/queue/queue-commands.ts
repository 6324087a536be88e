import { readFile } from 'node:fs/promises';
import { WorkersError, errnoCode } from '../core/errors.js';
import type { DataPaths } from '../core/paths.js';
import { runningWorkerPid } from '../health/worker-pid-file.js';
import type { QueueBackend, QueueTask } from './backend.js';
import { planQueueTxtImport, type QueueTxtPlan } from './import-queue-txt.js';
import type { QueueSnapshot } from './queue-views.js';
import { findActiveDuplicate, isActive, isFinished, isOlderThan } from './task-rules.js';
import { returnClaim } from './return-claim.js';
import { findTaskByRef, refNotFound, taskLabel, type TaskRef } from './task-ref.js';

export async function snapshotQueue(backend: QueueBackend, now: Date): Promise<QueueSnapshot> {
  const [tasks, depth] = await Promise.all([backend.list(), backend.depth()]);
  return { backend: backend.name, generatedAt: now.toISOString(), depth, tasks };
}

/** What `retry --force` needs to tell whether a claim's worker still runs. */
export interface ForceRetry {
  readonly paths: DataPaths;
  readonly lockStaleMs: number;
}

/** The task a reference names (src/queue/task-ref.ts), or a not-found error naming the reference. */
export async function resolveTask(backend: QueueBackend, ref: TaskRef, currentRepo: string | undefined): Promise<QueueTask> {
  const task = findTaskByRef(await backend.list(), ref, currentRepo);
  if (!task) throw refNotFound(ref, currentRepo);
  return task;
}

/** `retry --failed [--parent N]`: the failed tasks of `repo` (of any repository when undefined). */
export function failedTasks(tasks: readonly QueueTask[], repo: string | undefined, parent?: string): QueueTask[] {
  return tasks.filter(
    (task) => task.status === 'failed' && (repo === undefined || task.repo === repo) && (parent === undefined || task.parent === parent),
  );
}

/**
 * `retry REF`: a finished task goes back to the queue with a fresh attempt budget. `--force` also
 * returns a claimed task whose worker is gone (its attempts stay counted); a live worker's claim
 * is never taken from it.
 */
export async function retryTask(backend: QueueBackend, task: QueueTask, force?: ForceRetry): Promise<QueueTask> {
  const label = taskLabel(task);
  if (task.status === 'claimed' && force) {
    const pid = task.workerId === null ? undefined : await runningWorkerPid(force.paths, task.workerId, force.lockStaleMs);
    if (pid !== undefined) {
      throw new WorkersError(
        'conflict',
        `${label} is claimed by worker ${task.workerId}, which is running as pid ${pid}; stop that worker first.`,
      );
    }
    await returnClaim(backend, task.id, `returned to the queue by hand from worker ${task.workerId ?? 'none'}`);
    return { ...task, status: 'queued', workerId: null };
  }
  if (!isFinished(task)) {
    const holder = task.workerId === null ? '' : ` by worker ${task.workerId}`;
    const hint = task.status === 'claimed' ? ' (--force returns a claim whose worker is gone)' : '';
    throw new WorkersError(
      'conflict',
      `${label} is ${task.status}${holder}; only done, failed, review or cancelled tasks can be retried${hint}.`,
    );
  }
  await backend.requeue(task.id, { attempts: 0 });
  return { ...task, status: 'queued', workerId: null, attempts: 0 };
}

/**
 * `kill REF`: stops the task's run now, its whole process group, SIGKILL after `graceMs`. The
 * worker holding the task then records it cancelled ("killed by the user") without retrying it.
 */
export async function killTask(backend: QueueBackend, task: QueueTask, graceMs: number): Promise<QueueTask> {
  if (task.status !== 'claimed' || (await backend.observeRun(task.id)).state !== 'running') {
    throw new WorkersError(
      'conflict',
      `${taskLabel(task)} is ${task.status} with no run in progress; only a running task can be killed (worker-queue remove deletes one that is not running).`,
    );
  }
  await backend.killRun(task.id, graceMs, { byUser: true });
  return task;
}

/**
 * `clean DAYS`: removes the finished tasks older than `days`, but those in `keep` (a task whose
 * pull request is still open: docs/SPEC.md section 14.2). With nothing to keep, the backend's own
 * clean; else each old task by itself. Returns how many went.
 */
export async function cleanTasks(backend: QueueBackend, days: number, keep: readonly QueueTask[], now: Date): Promise<number> {
  if (keep.length === 0) return backend.clean(days);
  const kept = new Set(keep.map((task) => task.id));
  const old = (await backend.list()).filter((task) => !kept.has(task.id) && isOlderThan(task, days, now));
  for (const task of old) await backend.remove(task.id);
  return old.length;
}

/**
 * `assign REF... --repo R`: gives tasks of unknown repository (queued before repositories were
 * recorded) their repository, so only that repository's pool claims them. Every task is checked
 * before any changes: refused for a task that has a repository, and for an active task whose
 * sub-issue already has an active task in `repo`.
 */
export async function assignTasks(backend: QueueBackend, chosen: readonly QueueTask[], repo: string): Promise<QueueTask[]> {
  const tasks = await backend.list();
  for (const task of chosen) {
    if (task.repo !== undefined)
      throw new WorkersError(
        'conflict',
        `${taskLabel(task)} already belongs to ${task.repo}; only a task of unknown repository is assigned one.`,
      );
    const clash = isActive(task) ? findActiveDuplicate(tasks, { subissue: task.subissue, repo }) : undefined;
    if (clash !== undefined)
      throw new WorkersError(
        'conflict',
        `${taskLabel(clash)} is already ${clash.status}; remove one of the two before giving ${taskLabel(task)} the repository ${repo}.`,
      );
  }
  const assigned: QueueTask[] = [];
  for (const task of chosen) {
    await backend.assignRepository(task.id, repo);
    assigned.push({ ...task, repo });
  }
  return assigned;
}

/** `remove REF`: deletes the task named, which must have no run in progress (the backend refuses). */
export async function removeTask(backend: QueueBackend, task: QueueTask): Promise<QueueTask> {
  await backend.remove(task.id);
  return task;
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
    if (errnoCode(error) === 'ENOENT')
      throw new WorkersError('usage', `There is no file ${file} to import; give the path of the shell tool's queue.txt.`);
    throw new WorkersError('usage', `Cannot read ${file}: ${(error as Error).message}.`);
  }
}

/** `import [FILE]`: adds what planQueueTxtFile accepted, as tasks of `repo`, skipping sub-issues already active. */
export async function importPlan(backend: QueueBackend, plan: QueueTxtPlan, repo?: string): Promise<ImportResult> {
  const { added, skippedActive } = await backend.addMany(plan.toImport.map((spec) => (repo === undefined ? spec : { ...spec, repo })));
  return { imported: added, skippedFinished: plan.finished, skippedActive };
}

/**
 * `backend NAME`: the explicit change of the data root's backend (docs/SPEC.md section 9.3). Tasks
 * are not moved between backends: while the queue in use holds a queued or claimed task the
 * change is refused, saying why.
 */
export async function changeBackend(paths: DataPaths, current: QueueBackend, name: QueueBackend['name'], now: Date): Promise<string> {
  const { writeBackendRecord, backendRecordFile } = await import('./backend-record.js');
  if (current.name === name) return `This data root already uses the ${name} queue (${backendRecordFile(paths)}).`;
  const active = (await current.list()).filter(isActive);
  if (active.length > 0) {
    throw new WorkersError(
      'conflict',
      `The ${current.name} queue still holds ${active.length} queued or claimed task(s) (${active.map(taskLabel).slice(0, 3).join(', ')}${active.length > 3 ? ', ...' : ''}); tasks are not moved between backends, so let them finish or remove them first.`,
    );
  }
  writeBackendRecord(paths, name, now, true);
  return `This data root now uses the ${name} queue (recorded in ${backendRecordFile(paths)}); its finished ${current.name} tasks stay where they are.`;
}
