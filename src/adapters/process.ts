import { readFileSync } from 'node:fs';
import { errnoCode } from '../core/errors.js';
import { waitUntil } from '../core/poll.js';

/*
 * Processes by pid (Linux /proc). One contract for "alive": the process exists and is not a
 * zombie (one that exited but is not reaped yet is dead for us); given a start time, it must
 * also be the process that was recorded, not a later one that reused the pid.
 */

/** A process as a run records it: the start time guards against a reused pid. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly pgid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  readonly startTime: string;
}

/** The fields of /proc/<pid>/stat after the command name (state first), or undefined when it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ESRCH') return undefined;
    throw error;
  }
}

/** The start time of a live process, or undefined when it is gone. */
export const readStartTime = (pid: number): string | undefined => statFields(pid)?.[19];

/** Alive and not a zombie; with `startTime`, also the same process that was recorded. */
export function isProcessAlive(pid: number | null, startTime?: string): boolean {
  if (pid === null) return false;
  let fields: string[] | undefined;
  try {
    fields = statFields(pid);
  } catch {
    // /proc hides the process (hidepid): kill -0 is all there is to know. Never a throw, since
    // the manager asks from a timer.
    return processExists(pid);
  }
  return fields !== undefined && fields[0] !== 'Z' && (startTime === undefined || fields[19] === startTime);
}

/** The recorded process still runs (same pid, same start time). */
export const isRecordedProcessAlive = (identity: ProcessIdentity): boolean => isProcessAlive(identity.pid, identity.startTime);

/** The process's command line as one string (arguments joined by NUL), or undefined when unreadable. */
export function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The first child of a process, or undefined when it has none (or is gone). */
export function firstChildOf(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length > 0 ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** Sends `signal` to a process (a negative pid: to a process group); false when there is none. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/** kill -0: the process (a negative pid: any of the group) exists, zombies included; EPERM means it does. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

const groupExists = (pgid: number) => processExists(-pgid);

const gone = (exists: () => boolean, timeoutMs: number) => waitUntil(() => !exists(), { timeoutMs, intervalMs: 20 });

/**
 * SIGTERM to the whole process group, SIGKILL after `graceMs`, resolved when no member is left.
 * A group id cannot be reused while any member lives, so signalling an existing group is safe even
 * after its leader (the runner) died and left the agent orphaned.
 */
export async function killProcessGroup(identity: ProcessIdentity, graceMs: number): Promise<void> {
  if (!isRecordedProcessAlive(identity) && !groupExists(identity.pgid)) return;
  signalProcess(-identity.pgid, 'SIGTERM');
  const groupExistsNow = () => groupExists(identity.pgid);
  if (await gone(groupExistsNow, graceMs)) return;
  signalProcess(-identity.pgid, 'SIGKILL');
  await gone(groupExistsNow, 10_000);
}

/** SIGTERM to one process, SIGKILL when it still runs after `graceMs`. */
export async function terminateProcess(pid: number, graceMs: number): Promise<void> {
  if (!signalProcess(pid, 'SIGTERM')) return;
  if (!(await gone(() => isProcessAlive(pid), graceMs))) signalProcess(pid, 'SIGKILL');
}

/** Single quotes for a POSIX shell: the word reaches the command unchanged. */
export const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
