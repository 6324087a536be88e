import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { WorkersError } from '../core/errors.js';
import { JsonFile } from '../core/json-store.js';
import type { DataPaths } from '../core/paths.js';
import { isProcessAlive, readStartTime } from '../adapters/process.js';

/**
 * `state/worker-<id>.pid`: which process is worker <id>, so a second one refuses to start. The
 * process start time (field 22 of /proc/<pid>/stat) is recorded with the pid: a pid the kernel
 * reused for another process does not count, and the file of a worker that died is taken over.
 */
const pidFileSchema = z.object({
  pid: z.number().int().positive().nullable(),
  start_time: z.string().nullable(),
  /** The repository whose tasks the worker claims; absent before it said (or from older workers). */
  repo: z.string().optional(),
});
type PidFile = z.infer<typeof pidFileSchema>;

export const workerPidFile = (paths: DataPaths, workerId: number) => join(paths.stateDir, `worker-${workerId}.pid`);

const open = (paths: DataPaths, workerId: number, lockStaleMs: number) =>
  new JsonFile<PidFile>({
    path: workerPidFile(paths, workerId),
    schema: pidFileSchema,
    empty: () => ({ pid: null, start_time: null }),
    lockStaleMs,
  });

const isHolderAlive = (holder: PidFile, self = 0) =>
  holder.pid !== null && holder.pid !== self && holder.start_time !== null && isProcessAlive(holder.pid, holder.start_time);

/** The pid of the live process that is worker <id>, or undefined when none is. */
export async function runningWorkerPid(paths: DataPaths, workerId: number, lockStaleMs: number): Promise<number | undefined> {
  const holder = await open(paths, workerId, lockStaleMs).read();
  return isHolderAlive(holder) ? holder.pid! : undefined;
}

/**
 * Claims worker <id> for this process: under the file's lock, written atomically, so of two
 * workers started at once exactly one gets it. Resolves to the release, which clears the file
 * if it is still this process's.
 */
export async function claimWorkerId(paths: DataPaths, workerId: number, lockStaleMs: number): Promise<() => Promise<void>> {
  const file = open(paths, workerId, lockStaleMs);
  const self = { pid: process.pid, start_time: readStartTime(process.pid) ?? null };
  const holder = await file.read();
  // Read outside the lock: /proc is not to be read inside the critical section of a shared lock.
  const holderAlive = isHolderAlive(holder, self.pid);
  await file.update((draft) => {
    if (draft.pid !== holder.pid || draft.start_time !== holder.start_time) throw alreadyRunning(workerId, draft.pid ?? 0);
    if (holderAlive) throw alreadyRunning(workerId, holder.pid!);
    Object.assign(draft, self);
    delete draft.repo;
  });
  return () =>
    file
      .update((draft) => {
        if (draft.pid === self.pid && draft.start_time === self.start_time) Object.assign(draft, { pid: null, start_time: null });
      })
      .catch(() => undefined);
}

/** Notes, in this process's pid file, the repository whose tasks worker <id> claims. */
export async function recordWorkerRepository(paths: DataPaths, workerId: number, repo: string, lockStaleMs: number): Promise<void> {
  await open(paths, workerId, lockStaleMs).update((draft) => {
    if (draft.pid === process.pid) draft.repo = repo;
  });
}

/** The repositories the live workers of this data root work (those that said which). */
export async function runningWorkerRepositories(paths: DataPaths, lockStaleMs: number): Promise<Set<string>> {
  const names = await readdir(paths.stateDir).catch(() => [] as string[]);
  const repos = new Set<string>();
  for (const name of names) {
    const id = /^worker-(\d+)\.pid$/.exec(name)?.[1];
    if (id === undefined) continue;
    const holder = await open(paths, Number(id), lockStaleMs)
      .read()
      .catch(() => undefined);
    if (holder !== undefined && holder.repo !== undefined && isHolderAlive(holder)) repos.add(holder.repo);
  }
  return repos;
}

const alreadyRunning = (workerId: number, pid: number) =>
  new WorkersError('conflict', `Worker ${workerId} is already running as pid ${pid}; stop it first or start another id.`);
