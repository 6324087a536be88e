import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogRenderer } from '../adapters/claude/stream-render.js';
import { WorkersError, errnoCode } from '../core/errors.js';
import type { QueueBackend, QueueTask } from '../queue/backend.js';
import { taskLabel } from '../queue/task-ref.js';

/**
 * `worker-queue logs` and the page's log link (docs/SPEC.md section 8.1): which output file holds
 * an attempt of a task. Output files are named by runOutputFile (runtime.ts), `task-<id>-<backend>-
 * <taken at>-attempt-<n>.log` under `runs/worker-<N>/`; a file taken before the task was created
 * is an earlier task's of the same queue id (Pueue's ids restart at 0).
 */
export interface AttemptOutput {
  readonly file: string;
  readonly workerId: number;
  readonly attempt: number;
  /** When the worker took the task (ISO): a task retried by hand is taken again. */
  readonly takenAt: string;
}

const OUTPUT_NAME = /^task-(\d+)-([a-z]+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-attempt-(\d+)\.log$/;
/** The worker's clock and the queue's may differ a little (the same host's, for local backends). */
const CLOCK_SLACK_MS = 5000;

/** The output files of `task` on this host, oldest first (by when taken, then attempt). */
export async function attemptOutputs(dataRoot: string, task: QueueTask, backend: QueueBackend['name']): Promise<AttemptOutput[]> {
  const runs = join(dataRoot, 'runs');
  const workers = await readdir(runs).catch(() => [] as string[]);
  const created = Date.parse(task.createdAt);
  const found: AttemptOutput[] = [];
  for (const dir of workers) {
    const worker = /^worker-(\d+)$/.exec(dir);
    if (!worker) continue;
    for (const name of await readdir(join(runs, dir)).catch(() => [] as string[])) {
      const match = OUTPUT_NAME.exec(name);
      if (!match || match[1] !== task.id || match[2] !== backend) continue;
      const takenAt = `${match[3]}-${match[4]}-${match[5]}T${match[6]}:${match[7]}:${match[8]}.${match[9]}Z`;
      if (Number.isFinite(created) && Date.parse(takenAt) < created - CLOCK_SLACK_MS) continue;
      found.push({ file: join(runs, dir, name), workerId: Number(worker[1]), attempt: Number(match[10]), takenAt });
    }
  }
  return found.sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.attempt - b.attempt);
}

/** Why a task has no output to show, in one sentence. */
function noOutput(task: QueueTask, backend: QueueBackend): WorkersError {
  const label = taskLabel(task);
  if (task.status === 'queued')
    return new WorkersError('not-found', `${label} has no output yet: it is queued and no attempt has started.`);
  if (task.host !== undefined && backend.host !== undefined && task.host !== backend.host)
    return new WorkersError('not-found', `${label} runs on host ${task.host}; its output is there (run worker-queue logs on that host).`);
  if (task.status === 'claimed')
    return new WorkersError('not-found', `${label} has no output yet: worker ${task.workerId ?? '?'} has not started its attempt.`);
  return new WorkersError(
    'not-found',
    `${label} has no output on this host: it ran on another host, or its files were removed (worker-queue clean, RUNS_KEEP_DAYS).`,
  );
}

/**
 * The output `logs` shows: the task's latest attempt, or attempt `attempt` of the latest time it
 * was taken; `latest` tells whether it may still be written.
 */
export async function locateTaskLog(
  dataRoot: string,
  backend: QueueBackend,
  task: QueueTask,
  attempt?: number,
): Promise<{ readonly output: AttemptOutput; readonly latest: boolean }> {
  const outputs = await attemptOutputs(dataRoot, task, backend.name);
  const last = outputs.at(-1);
  if (last === undefined) throw noOutput(task, backend);
  if (attempt === undefined) return { output: last, latest: true };
  const round = outputs.filter((output) => output.takenAt === last.takenAt);
  const chosen = round.find((output) => output.attempt === attempt);
  if (chosen === undefined)
    throw new WorkersError(
      'not-found',
      `${taskLabel(task)} has no attempt ${attempt} here; its attempts are ${round.map((output) => output.attempt).join(', ')}.`,
    );
  return { output: chosen, latest: chosen === last };
}

const CHUNK = 256 * 1024;

/** Reads `file` from `offset` to its current end, chunk by chunk; returns the new offset. */
async function readFrom(file: string, offset: number, take: (chunk: Buffer) => void): Promise<number> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return offset;
    throw error;
  }
  try {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
      if (bytesRead === 0) return offset;
      take(Buffer.from(buffer.subarray(0, bytesRead)));
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

export interface PrintLogOptions {
  /** Print the file as it is, not rendered. */
  readonly raw: boolean;
  /** Keep printing what is appended while `running()` says the attempt goes on. */
  readonly follow?: { readonly running: () => Promise<boolean>; readonly intervalMs: number; readonly signal?: AbortSignal };
}

/**
 * Prints an attempt's output through `write`: Claude's stream rendered (stream-render.ts), any
 * other line as it is. Following polls the file every `intervalMs` (no busy loop) and ends once
 * the attempt is over and its last bytes are printed.
 */
export async function printTaskLog(file: string, write: (text: string) => void, options: PrintLogOptions): Promise<void> {
  const renderer = new LogRenderer();
  const decoder = new StringDecoder('utf8');
  const take = (chunk: Buffer) => {
    const text = options.raw ? decoder.write(chunk) : renderer.write(chunk);
    if (text !== '') write(text);
  };
  let offset = await readFrom(file, 0, take);
  const follow = options.follow;
  if (follow !== undefined) {
    for (;;) {
      // Asked before the read, so bytes written just before the run ended are still read.
      const running = await follow.running();
      offset = await readFrom(file, offset, take);
      if (!running || follow.signal?.aborted) break;
      await sleep(follow.intervalMs, undefined, { signal: follow.signal }).catch(() => undefined);
    }
  }
  const rest = options.raw ? decoder.end() : renderer.end();
  if (rest !== '') write(rest);
}
