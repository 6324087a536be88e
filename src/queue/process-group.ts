import { readFile } from 'node:fs/promises';
import { errnoCode } from '../core/errors.js';

/** A process as a run records it: the start time guards against a reused pid. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly pgid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  readonly startTime: string;
}

async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ESRCH') return undefined;
    throw error;
  }
}

/** The start time of a live process, or undefined when it is gone. */
export const readStartTime = async (pid: number) => (await statFields(pid))?.[19];

/** Alive, not a zombie, and the same process that was recorded (not a reused pid). */
export async function isProcessAlive(identity: ProcessIdentity): Promise<boolean> {
  const fields = await statFields(identity.pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[19] === identity.startTime;
}

/** Any process of the group still exists (zombies included: they are not yet reaped). */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if (errnoCode(error) !== 'ESRCH') throw error;
  }
}

async function waitGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupExists(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * SIGTERM to the whole process group, SIGKILL after `graceMs`, resolved when no member is left.
 * A group id cannot be reused while any member lives, so signalling an existing group is safe even
 * after its leader (the runner) died and left the agent orphaned.
 */
export async function killProcessGroup(identity: ProcessIdentity, graceMs: number): Promise<void> {
  if (!(await isProcessAlive(identity)) && !groupExists(identity.pgid)) return;
  signalGroup(identity.pgid, 'SIGTERM');
  if (await waitGone(identity.pgid, graceMs)) return;
  signalGroup(identity.pgid, 'SIGKILL');
  await waitGone(identity.pgid, 10_000);
}
