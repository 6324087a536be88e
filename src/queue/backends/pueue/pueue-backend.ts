import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { WorkersError } from '../../../core/errors.js';
import { withFileLock } from '../../../core/file-lock.js';
import { waitUntil } from '../../../core/poll.js';
import { addArgs, killArgs, parseAddedId, removeArgs, restartInPlaceArgs, startArgs } from '../../../adapters/pueue/argv.js';
import type { PueueClient } from '../../../adapters/pueue/client.js';
import { pueueTimeToIso, type PueueTask } from '../../../adapters/pueue/status-schema.js';
import type {
  ClaimOptions,
  QueueBackend,
  QueueDepth,
  QueueTask,
  RunObservation,
  RunSpec,
  TaskSpec,
  FinishedStatus,
} from '../../backend.js';
import { notFound, type BackendOptions } from '../../backend-options.js';
import { isRecordedProcessAlive, killProcessGroup, shellQuote } from '../../../adapters/process.js';
import {
  isOurTask,
  newRecord,
  openPueueRecords,
  pueueBlockers,
  recordKey,
  RUNNER_VERSION,
  TASK_ENV,
  toQueueTask,
  type PueueRecord,
} from './pueue-records.js';
import { forgetRunOutcome, removeRunFiles, readRunPid, readRunResult, runFilesFor, writeRunSpec } from '../../runs/run-files.js';
import { ensureRunnerScript, RUNNER_SHELL } from '../../runs/runner-script.js';
import { ensureRunnerV1Script, writeRunSpecV1 } from '../../runs/runner-v1.js';
import {
  compareForClaim,
  countDepth,
  duplicateError,
  findActiveDuplicate,
  isClaimableBy,
  withoutActiveDuplicates,
  isOlderThan,
  repositoryKept,
  validateBlockers,
  validateTaskSpec,
} from '../../task-rules.js';

export interface PueueBackendOptions extends BackendOptions {
  readonly client: PueueClient;
  /** PUEUE_GROUP: kept paused, so only a claim starts a task (`pueue start ID`). */
  readonly group: string;
}

interface Entry {
  readonly task: PueueTask;
  readonly key: string;
  readonly record: PueueRecord | undefined;
  readonly view: QueueTask;
}

const POLL_MS = 100;

/**
 * The queue as a paused Pueue group; Pueue owns the processes, a side file in the data root owns
 * the claims. So one data root per group: two data roots sharing a daemon need two PUEUE_GROUPs.
 * A task's command is fixed at `add` (the runner plus a spec file named by a random run key);
 * startRun writes the spec, then force-starts the task with `pueue start ID`.
 */
export class PueueBackend implements QueueBackend {
  readonly name = 'pueue';
  readonly capabilities = {};
  readonly lostRunCause = 'the Pueue daemon was restarted under it';
  private readonly records;
  private readonly runsDir: string;
  private groupReady: Promise<void> | undefined;

  constructor(private readonly options: PueueBackendOptions) {
    this.records = openPueueRecords(options.queueDir, options.lockStaleMs, options.now);
    this.runsDir = join(options.queueDir, 'runs');
  }

  async add(spec: TaskSpec, options: { readonly force?: boolean } = {}): Promise<QueueTask> {
    const valid = validateTaskSpec(spec);
    const id = await this.underAddLock(async () => {
      const duplicate = findActiveDuplicate(await this.list(), valid);
      if (duplicate && options.force !== true) throw duplicateError(duplicate);
      return this.enqueue(valid);
    });
    const added = await this.get(String(id));
    if (!added) throw new WorkersError('tool', `pueue add did not report the new task ${id}.`);
    return added;
  }

  async addMany(specs: readonly TaskSpec[]): Promise<{ added: number; skippedActive: string[] }> {
    const valid = specs.map(validateTaskSpec);
    return this.underAddLock(async () => {
      const { toAdd, skippedActive } = withoutActiveDuplicates(await this.list(), valid);
      // Pueue adds one task per call; the status is read once, not per task.
      for (const spec of toAdd) await this.enqueue(spec);
      return { added: toAdd.length, skippedActive };
    });
  }

  /**
   * Pueue has no "add unless present": the duplicate check and `pueue add` run under one lock of
   * the data root, so concurrent adds of one sub-issue from any number of processes make one task.
   */
  private underAddLock<R>(work: () => Promise<R>): Promise<R> {
    return withFileLock(join(this.options.queueDir, 'pueue-add'), { staleMs: this.options.lockStaleMs, wantedAgain: () => false }, work);
  }

  /** `pueue add` of a checked spec; the new task's Pueue id. */
  private async enqueue(valid: TaskSpec): Promise<number> {
    const runKey = randomUUID();
    const runner = await ensureRunnerScript(this.options.queueDir);
    const command = [RUNNER_SHELL, runner, 'spec', runFilesFor(this.runsDir, runKey).specFile].map(shellQuote).join(' ');
    const { PATH, HOME, PUEUE_CONFIG_PATH } = this.options.env;
    // The task's environment is the add process's environment: keep it to what the runner needs.
    const env = Object.fromEntries(
      Object.entries({
        PATH,
        HOME,
        PUEUE_CONFIG_PATH,
        [TASK_ENV.runKey]: runKey,
        [TASK_ENV.runner]: RUNNER_VERSION,
        [TASK_ENV.subissue]: valid.subissue,
        [TASK_ENV.parent]: valid.parent,
        [TASK_ENV.priority]: String(valid.priority),
        [TASK_ENV.repo]: valid.repo,
        [TASK_ENV.blockedBy]: valid.blockedBy?.join(','),
        [TASK_ENV.kind]: valid.kind,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const args = addArgs({
      group: this.options.group,
      label: `subissue-${valid.subissue}`,
      // Pueue runs higher numbers first; ours has 1 as the most urgent.
      priority: 100 - valid.priority,
      workingDirectory: this.options.queueDir,
      command,
    });
    await this.ensureGroup();
    const output = await this.options.client.runOk(args, env);
    const id = parseAddedId(output.stdout);
    if (id === undefined) throw new WorkersError('tool', `pueue add did not report the new task: ${output.stdout.trim()}`);
    return id;
  }

  async list(): Promise<QueueTask[]> {
    return (await this.entries()).map((entry) => entry.view);
  }

  async get(id: string): Promise<QueueTask | undefined> {
    return (await this.entries()).find((entry) => entry.view.id === id)?.view;
  }

  async claim(workerId: number, options: ClaimOptions = {}): Promise<QueueTask | undefined> {
    const entries = await this.entries();
    const isHeld = (record: PueueRecord | undefined) => record?.status === 'claimed' && record.workerId === workerId;
    const isFree = (entry: Pick<Entry, 'task' | 'record' | 'view'>) =>
      entry.task.kind === 'Queued' &&
      (entry.record === undefined || entry.record.status === 'queued') &&
      pueueBlockers(entry.task, entry.record).length === 0 &&
      isClaimableBy(entry.view, options.repo);
    // Nothing to hand out: answered without the lock, so idle workers never rewrite the records.
    if (!entries.some((entry) => isHeld(entry.record) || isFree(entry))) return undefined;
    const claimedAt = this.options.now().toISOString();
    // The decision is made inside the records lock from fresh records, so each task goes to one worker.
    return this.records.update((draft) => {
      const current = entries.map((entry) => ({ ...entry, record: draft.records[entry.key] }));
      const held = current.find((entry) => isHeld(entry.record));
      if (held) return toQueueTask(held.task, held.record);
      const next = current
        .filter(isFree)
        .map((entry) => ({ entry, view: toQueueTask(entry.task, entry.record) }))
        .sort((a, b) => compareForClaim(a.view, b.view))[0];
      if (!next) return undefined;
      const record = { ...(next.entry.record ?? newRecord()), status: 'claimed' as const, workerId, claimedAt };
      draft.records[next.entry.key] = record;
      return toQueueTask(next.entry.task, record);
    });
  }

  async setBlockers(id: string, blockedBy: readonly string[]): Promise<void> {
    const entry = await this.require(id);
    const valid = validateBlockers(blockedBy, entry.view.subissue);
    await this.updateRecord(entry.key, (record) => {
      record.blockedBy = valid;
    });
  }

  async assignRepository(id: string, repo: string): Promise<void> {
    const entry = await this.require(id);
    if (entry.view.repo !== undefined) throw repositoryKept(id, entry.view.repo);
    await this.updateRecord(entry.key, (record) => {
      if (record.repo !== undefined) throw repositoryKept(id, record.repo);
      record.repo = repo;
    });
  }

  async startRun(id: string, run: RunSpec): Promise<void> {
    const entry = await this.require(id);
    if (entry.view.status !== 'claimed')
      throw new WorkersError('conflict', `Task ${id} is ${entry.view.status}; only a claimed task can start a run.`);
    if (entry.task.kind === 'Running' || entry.task.kind === 'Paused')
      throw new WorkersError('conflict', `Task ${id} already has a run in progress.`);
    if (entry.task.kind === 'Done') await this.options.client.runOk(restartInPlaceArgs(entry.task.id));
    await this.writeSpec(entry.task, run);
    await this.updateRecord(entry.key, (record) => {
      record.attempts += 1;
      record.killRequested = false;
      record.killedByUser = false;
    });
    // A force start: the group stays paused (docs/PUEUE.md section 4).
    await this.options.client.runOk(startArgs(entry.task.id));
  }

  async observeRun(id: string): Promise<RunObservation> {
    const entry = (await this.entries()).find((candidate) => candidate.view.id === id);
    if (!entry || (entry.task.kind !== 'Done' && entry.task.kind !== 'Running' && entry.task.kind !== 'Paused')) return { state: 'none' };
    if (entry.task.kind !== 'Done') return { state: 'running', startedAt: pueueTimeToIso(entry.task.start) ?? entry.view.claimedAt ?? '' };
    const endedAt = pueueTimeToIso(entry.task.end) ?? this.options.now().toISOString();
    // However a run the user killed ended (a signal, an exit code of its own), it ended by the kill.
    if (entry.record?.killedByUser) return { state: 'killed', endedAt, byUser: true };
    const files = this.filesOf(entry.task);
    const recorded = await readRunResult(files);
    if (recorded) return recorded;
    if (entry.record?.killRequested) return { state: 'killed', endedAt };
    const result = entry.task.result;
    if (result?.type === 'Success') return { state: 'exited', exitCode: 0, endedAt };
    if (result?.type === 'Failed') return { state: 'exited', exitCode: result.exitCode, endedAt };
    if (result?.type === 'FailedToSpawn') return { state: 'exited', exitCode: 127, endedAt };
    // Killed without our asking and without a result: the daemon restarted under it. An orphan
    // of that run may still be alive; stop it so the next attempt is the only one.
    await this.stopOrphan(entry.task);
    return { state: 'lost' };
  }

  async killRun(id: string, graceMs: number, options: { readonly byUser?: boolean } = {}): Promise<void> {
    const entry = await this.require(id);
    await this.updateRecord(entry.key, (record) => {
      record.killRequested = true;
      if (options.byUser) record.killedByUser = true;
    });
    if (entry.task.kind === 'Running' || entry.task.kind === 'Paused') {
      await this.options.client.run(killArgs(entry.task.id, 'SIGTERM'));
      if (!(await this.waitDone(entry.task.id, graceMs))) {
        await this.options.client.run(killArgs(entry.task.id));
        await this.waitDone(entry.task.id, 10_000);
      }
    }
    await this.stopOrphan(entry.task);
  }

  async requeue(id: string, options: { readonly error?: string; readonly attempts?: number } = {}): Promise<void> {
    const entry = await this.require(id);
    this.refuseWhileRunning(entry, 'requeued');
    if (entry.task.kind === 'Done') await this.options.client.runOk(restartInPlaceArgs(entry.task.id));
    await this.updateRecord(entry.key, (record) => {
      Object.assign(record, {
        status: 'queued',
        workerId: null,
        claimedAt: null,
        finishedAt: null,
        killRequested: false,
        killedByUser: false,
      });
      if (options.error !== undefined) record.lastError = options.error;
      if (options.attempts !== undefined) record.attempts = options.attempts;
    });
  }

  async finish(id: string, outcome: { readonly status: FinishedStatus; readonly error?: string }): Promise<void> {
    const entry = await this.require(id);
    await this.updateRecord(entry.key, (record) => {
      record.status = outcome.status;
      record.finishedAt = this.options.now().toISOString();
      if (outcome.error !== undefined) record.lastError = outcome.error;
    });
  }

  async remove(id: string): Promise<void> {
    const entry = await this.require(id);
    this.refuseWhileRunning(entry, 'removed');
    await this.removeEntries([entry]);
  }

  async clean(days: number): Promise<number> {
    const now = this.options.now();
    const old = (await this.entries()).filter(
      (entry) => isOlderThan(entry.view, days, now) && entry.task.kind !== 'Running' && entry.task.kind !== 'Paused',
    );
    if (old.length > 0) await this.removeEntries(old);
    return old.length;
  }

  async depth(): Promise<QueueDepth> {
    const entries = await this.entries();
    const running = entries.filter((entry) => entry.task.kind === 'Running' || entry.task.kind === 'Paused').length;
    return countDepth(
      entries.map((entry) => entry.view),
      running,
    );
  }

  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.options.client.ensurePausedGroup(this.options.group).catch((error: unknown) => {
      this.groupReady = undefined;
      throw error;
    });
    return this.groupReady;
  }

  private async entries(): Promise<Entry[]> {
    await this.ensureGroup();
    const [state, records] = await Promise.all([this.options.client.status(), this.records.read()]);
    return state.tasks
      .filter((task) => isOurTask(task, this.options.group))
      .map((task) => {
        const key = recordKey(task);
        const record = records.records[key];
        return { task, key, record, view: toQueueTask(task, record) };
      });
  }

  private async require(id: string): Promise<Entry> {
    const entry = (await this.entries()).find((candidate) => candidate.view.id === id);
    if (!entry) throw notFound(id);
    return entry;
  }

  private refuseWhileRunning(entry: Entry, verb: string): void {
    if (entry.task.kind === 'Running' || entry.task.kind === 'Paused') {
      throw new WorkersError('conflict', `Task ${entry.view.id} has a run in progress; kill it before it can be ${verb}.`);
    }
  }

  private filesOf(task: PueueTask) {
    return runFilesFor(this.runsDir, task.envs[TASK_ENV.runKey] ?? String(task.id));
  }

  /** A task added before runner version 2 still runs version 1, which reads a JSON spec. */
  private async writeSpec(task: PueueTask, run: RunSpec): Promise<void> {
    const files = this.filesOf(task);
    await forgetRunOutcome(files);
    if (task.envs[TASK_ENV.runner] === RUNNER_VERSION) {
      await ensureRunnerScript(this.options.queueDir);
      await writeRunSpec(files, run, this.options.env);
    } else {
      await ensureRunnerV1Script(this.options.queueDir);
      await writeRunSpecV1(files, run, this.options.env);
    }
  }

  private async updateRecord(key: string, change: (record: PueueRecord) => void): Promise<void> {
    await this.records.update((draft) => {
      const record = draft.records[key] ?? newRecord();
      change(record);
      draft.records[key] = record;
    });
  }

  private async removeEntries(entries: readonly Entry[]): Promise<void> {
    await this.options.client.runOk(removeArgs(entries.map((entry) => entry.task.id)));
    await this.records.update((draft) => {
      for (const entry of entries) delete draft.records[entry.key];
    });
    for (const entry of entries) await removeRunFiles(this.filesOf(entry.task));
  }

  private async stopOrphan(task: PueueTask): Promise<void> {
    const files = this.filesOf(task);
    const identity = await readRunPid(files);
    if (identity && isRecordedProcessAlive(identity)) {
      await killProcessGroup(identity, 2000);
      await forgetRunOutcome(files);
    }
  }

  private waitDone(id: number, timeoutMs: number): Promise<boolean> {
    return waitUntil(
      async () => {
        const task = (await this.options.client.status()).tasks.find((candidate) => candidate.id === id);
        return !task || task.kind === 'Done';
      },
      { timeoutMs, intervalMs: POLL_MS },
    );
  }
}
