import { basename, join } from 'node:path';
import { WorkersError } from '../../../core/errors.js';
import type {
  ClaimOptions,
  QueueBackend,
  QueueDepth,
  QueueTask,
  RunObservation,
  RunSpec,
  TaskSpec,
  FinishedStatus,
  QueueChange,
} from '../../backend.js';
import { embeddedQueueFile, openEmbeddedStore, type EmbeddedStore, type EmbeddedTask } from './embedded-store.js';
import { readSetAside, salvageQueue, setAsideQueueFiles, type Salvaged } from './embedded-salvage.js';
import { isRecordedProcessAlive, killProcessGroup } from '../../../adapters/process.js';
import { isRunResultName, removeRunFiles, runFilesFor } from '../../runs/run-files.js';
import { isLocalRunInProgress, observeLocalRun, startLocalRun } from '../../runs/local-run.js';
import {
  compareForClaim,
  countDepth,
  duplicateError,
  findActiveDuplicate,
  isClaimableBy,
  isOlderThan,
  isReady,
  repositoryKept,
  validateBlockers,
  validateTaskSpec,
  withoutActiveDuplicates,
} from '../../task-rules.js';
import { notFound, type BackendOptions } from '../../backend-options.js';
import { watchDirs } from '../../runs/watch-dirs.js';

const toQueueTask = ({ run: _run, ...task }: EmbeddedTask): QueueTask => task;

/** The file queue: every change is one locked read-modify-write of embedded-queue.json. */
export class EmbeddedBackend implements QueueBackend {
  readonly name = 'embedded';
  readonly capabilities = {};
  readonly lostRunCause = "the runner's process is gone";
  private readonly store;
  private readonly runsDir: string;

  constructor(private readonly options: BackendOptions) {
    let salvaged: Salvaged | undefined;
    this.store = openEmbeddedStore(options.queueDir, options.lockStaleMs, options.now, {
      salvage: (text) => {
        salvaged = salvageQueue(text, readSetAside(setAsideQueueFiles(embeddedQueueFile(options.queueDir))));
        return salvaged.store;
      },
      onCorrupt: async (movedTo, reason) => {
        const kept = salvaged?.store.tasks.length ?? 0;
        await options.alert?.(
          `The embedded queue was unreadable (${reason}): kept ${kept} task(s), set aside ${salvaged?.setAside ?? 0} that could not be read; the whole file is kept as ${movedTo}; new tasks get ids from ${salvaged?.store.nextId ?? 1}.`,
        );
      },
    });
    this.runsDir = join(options.queueDir, 'runs');
  }

  async add(spec: TaskSpec, options: { readonly force?: boolean } = {}): Promise<QueueTask> {
    const valid = validateTaskSpec(spec);
    const created = await this.store.update((draft) => {
      const duplicate = findActiveDuplicate(draft.tasks.map(toQueueTask), valid);
      if (duplicate && options.force !== true) throw duplicateError(duplicate);
      return this.append(draft, valid);
    });
    return toQueueTask(created);
  }

  async addMany(specs: readonly TaskSpec[]): Promise<{ added: number; skippedActive: string[] }> {
    const valid = specs.map(validateTaskSpec);
    // One locked write: a process killed before its rename leaves the queue as it was.
    return this.store.update((draft) => {
      const { toAdd, skippedActive } = withoutActiveDuplicates(draft.tasks.map(toQueueTask), valid);
      for (const spec of toAdd) this.append(draft, spec);
      return { added: toAdd.length, skippedActive };
    });
  }

  private append(draft: EmbeddedStore, { blockedBy, ...spec }: TaskSpec): EmbeddedTask {
    const task: EmbeddedTask = {
      ...spec,
      ...(blockedBy === undefined ? {} : { blockedBy: [...blockedBy] }),
      id: String(draft.nextId),
      status: 'queued',
      workerId: null,
      attempts: 0,
      createdAt: this.options.now().toISOString(),
      claimedAt: null,
      finishedAt: null,
      lastError: null,
      run: null,
    };
    draft.nextId += 1;
    draft.tasks.push(task);
    return task;
  }

  async list(): Promise<QueueTask[]> {
    return (await this.store.read()).tasks.map(toQueueTask);
  }

  async get(id: string): Promise<QueueTask | undefined> {
    const task = (await this.store.read()).tasks.find((candidate) => candidate.id === id);
    return task && toQueueTask(task);
  }

  async claim(workerId: number, options: ClaimOptions = {}): Promise<QueueTask | undefined> {
    const free = (task: EmbeddedTask) => isReady(task) && isClaimableBy(task, options.repo);
    // Nothing to hand out: answered from a plain read, so idle workers never rewrite the queue.
    const { tasks } = await this.store.read();
    if (!tasks.some((task) => free(task) || (task.status === 'claimed' && task.workerId === workerId))) return undefined;
    const claimedAt = this.options.now().toISOString();
    const task = await this.store.update((draft) => {
      const held = draft.tasks.find((candidate) => candidate.status === 'claimed' && candidate.workerId === workerId);
      if (held) return held;
      const next = draft.tasks.filter(free).sort((a, b) => compareForClaim(toQueueTask(a), toQueueTask(b)))[0];
      if (!next) return undefined;
      Object.assign(next, { status: 'claimed', workerId, claimedAt });
      return next;
    });
    return task && toQueueTask(task);
  }

  async setBlockers(id: string, blockedBy: readonly string[]): Promise<void> {
    const task = await this.require(id);
    const valid = validateBlockers(blockedBy, task.subissue);
    await this.mutate(id, (current) => {
      if (valid.length === 0) delete current.blockedBy;
      else current.blockedBy = valid;
    });
  }

  async assignRepository(id: string, repo: string): Promise<void> {
    await this.mutate(id, (current) => {
      if (current.repo !== undefined) throw repositoryKept(id, current.repo);
      current.repo = repo;
    });
  }

  async startRun(id: string, spec: RunSpec): Promise<void> {
    const task = await this.require(id);
    if (task.status !== 'claimed') throw new WorkersError('conflict', `Task ${id} is ${task.status}; only a claimed task can start a run.`);
    if (task.run && isRecordedProcessAlive(task.run)) {
      throw new WorkersError('conflict', `Task ${id} already has a run in progress.`);
    }
    const key = `${id}-${task.attempts + 1}`;
    const run = await startLocalRun(
      { queueDir: this.options.queueDir, runsDir: this.runsDir, env: this.options.env, now: this.options.now },
      key,
      spec,
    );
    await this.store.update((draft) => {
      const current = draft.tasks.find((candidate) => candidate.id === id);
      if (!current) return;
      current.attempts += 1;
      current.run = run;
    });
  }

  async observeRun(id: string): Promise<RunObservation> {
    const run = (await this.findTask(id))?.run;
    return run ? observeLocalRun(this.runsDir, run) : { state: 'none' };
  }

  async killRun(id: string, graceMs: number, options: { readonly byUser?: boolean } = {}): Promise<void> {
    const run = await this.store.update((draft) => {
      const task = draft.tasks.find((candidate) => candidate.id === id);
      if (task?.run) Object.assign(task.run, { killRequested: true, ...(options.byUser ? { killedByUser: true } : {}) });
      return task?.run ?? null;
    });
    if (run) await killProcessGroup(run, graceMs);
  }

  async requeue(id: string, options: { readonly error?: string; readonly attempts?: number } = {}): Promise<void> {
    await this.refuseWhileRunning(id, 'requeued');
    await this.mutate(id, (task) => {
      Object.assign(task, { status: 'queued', workerId: null, claimedAt: null, finishedAt: null, run: null });
      if (options.error !== undefined) task.lastError = options.error;
      if (options.attempts !== undefined) task.attempts = options.attempts;
    });
  }

  async finish(id: string, outcome: { readonly status: FinishedStatus; readonly error?: string }): Promise<void> {
    await this.mutate(id, (task) => {
      task.status = outcome.status;
      task.finishedAt = this.options.now().toISOString();
      if (outcome.error !== undefined) task.lastError = outcome.error;
    });
  }

  async remove(id: string): Promise<void> {
    await this.refuseWhileRunning(id, 'removed');
    const removed = await this.store.update((draft) => {
      const index = draft.tasks.findIndex((candidate) => candidate.id === id);
      if (index < 0) throw notFound(id);
      return draft.tasks.splice(index, 1)[0]!;
    });
    if (removed.run) await removeRunFiles(runFilesFor(this.runsDir, removed.run.key));
  }

  async clean(days: number): Promise<number> {
    const now = this.options.now();
    const removed = await this.store.update((draft) => {
      const old = draft.tasks.filter((task) => isOlderThan(toQueueTask(task), days, now));
      draft.tasks = draft.tasks.filter((task) => !old.includes(task));
      return old;
    });
    for (const task of removed) if (task.run) await removeRunFiles(runFilesFor(this.runsDir, task.run.key));
    return removed.length;
  }

  async depth(): Promise<QueueDepth> {
    const { tasks } = await this.store.read();
    let running = 0;
    for (const task of tasks) if (task.run && isRecordedProcessAlive(task.run)) running += 1;
    return countDepth(tasks.map(toQueueTask), running);
  }

  watch(listener: (change: QueueChange) => void): Promise<() => void> {
    const queueFile = basename(this.store.path);
    return watchDirs(
      [
        { dir: this.options.queueDir, matches: (name) => name === queueFile, change: 'queue' },
        { dir: this.runsDir, matches: isRunResultName, change: 'run' },
      ],
      listener,
    );
  }

  private async findTask(id: string): Promise<EmbeddedTask | undefined> {
    return (await this.store.read()).tasks.find((candidate) => candidate.id === id);
  }

  private async require(id: string): Promise<EmbeddedTask> {
    const task = await this.findTask(id);
    if (!task) throw notFound(id);
    return task;
  }

  private async refuseWhileRunning(id: string, verb: string): Promise<void> {
    const task = await this.require(id);
    if (task.run && (await isLocalRunInProgress(this.runsDir, task.run))) {
      throw new WorkersError('conflict', `Task ${id} has a run in progress; kill it before it can be ${verb}.`);
    }
  }

  private async mutate(id: string, change: (task: EmbeddedTask) => void): Promise<void> {
    await this.store.update((draft) => {
      const task = draft.tasks.find((candidate) => candidate.id === id);
      if (!task) throw notFound(id);
      change(task);
    });
  }
}
