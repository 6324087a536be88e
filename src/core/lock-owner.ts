import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * Who holds a lock: written into the lock directory before it is renamed into place, so a lock
 * always names its owner. `start` (field 22 of /proc/PID/stat, clock ticks since boot) tells a
 * reused pid from the owner; null where there is no /proc.
 */
export const lockOwnerSchema = z.object({
  pid: z.number().int().positive(),
  start: z.string().nullable(),
  host: z.string(),
  token: z.string().min(1),
  since: z.number(),
});
export type LockOwner = z.infer<typeof lockOwnerSchema>;

/** What a lock's owner process is doing now; `gone` means the lock is stale. */
export type OwnerState =
  | 'gone'
  | 'running'
  | 'sleeping'
  | 'waiting on disk'
  | 'stopped'
  | 'stopped by a debugger'
  | 'alive'
  | 'on another host';

interface ProcStat {
  readonly state: string;
  readonly start: string;
}

/** State (field 3) and start time (field 22) of a process; undefined when it does not exist. */
function readProcStat(pid: number | 'self'): ProcStat | undefined | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && hasProc()) return undefined;
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

let procMounted: boolean | undefined;
const hasProc = () =>
  (procMounted ??= (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })());

let self: Omit<LockOwner, 'token' | 'since'> | undefined;

/** This process as a lock owner (read once: neither its pid nor its start time change). */
export function selfOwner(): Omit<LockOwner, 'token' | 'since'> {
  self ??= { pid: process.pid, start: readProcStat('self')?.start ?? null, host: hostname() };
  return self;
}

const STATE_WORDS: Record<string, OwnerState> = {
  R: 'running',
  S: 'sleeping',
  I: 'sleeping',
  D: 'waiting on disk',
  T: 'stopped',
  t: 'stopped by a debugger',
};

/**
 * Whether the owner still runs. Only a process that is gone (or a zombie, or a different process
 * under a reused pid) gives up its lock; a stopped one keeps it. An owner on another host cannot
 * be checked, so it keeps the lock too.
 */
export function ownerState(owner: LockOwner): OwnerState {
  if (owner.host !== selfOwner().host) return 'on another host';
  const stat = readProcStat(owner.pid);
  if (stat === null) return signalZeroSays(owner.pid);
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return 'gone';
  if (owner.start !== null && stat.start !== owner.start) return 'gone';
  return STATE_WORDS[stat.state] ?? 'alive';
}

/** Without /proc, `kill -0` is all there is. */
function signalZeroSays(pid: number): OwnerState {
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone';
  }
}
