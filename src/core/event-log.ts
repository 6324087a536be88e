import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemError } from './errors.js';
import { APPEND_FLAGS, ensureDirSync, openDataFileSync } from './fs-safe.js';
import { rotateIfLarge } from './log-rotation.js';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR' | 'ALERT';

/** One event per line, whatever the message holds. */
const oneLine = (message: string) => message.replace(/[\r\n]+/g, ' ').trim();

export const formatLogLine = (level: LogLevel, message: string, at: Date) => `[${at.toISOString()}] [${level}] ${oneLine(message)}\n`;

export const formatAlertLine = (message: string, at: Date) => `[${at.toISOString()}] ${oneLine(message)}\n`;

/**
 * Appends one line; O_APPEND keeps concurrent writers' lines whole. A line left torn by a write
 * that failed half-way (a full disk) is ended first, so the new line is never glued onto it; the
 * race with another writer doing the same costs at most a blank line, which readers skip.
 * Synchronous: a few system calls, and no link is followed (openDataFileSync). A `rotated` log is
 * rotated by size after the line is written.
 */
export async function appendLine(file: string, line: string, rotated = false): Promise<void> {
  ensureDirSync(dirname(file));
  let fd: number;
  try {
    fd = openDataFileSync(file, APPEND_FLAGS);
  } catch (error) {
    throw systemError(error, file);
  }
  try {
    const bytes = Buffer.from(endsTorn(fd) ? `\n${line}` : line);
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
  } catch (error) {
    throw systemError(error, file);
  } finally {
    closeSync(fd);
  }
  // Best effort: the line is written; a rotation that fails is tried again by the next line.
  if (rotated) await rotateIfLarge(file).catch(() => undefined);
}

function endsTorn(fd: number): boolean {
  const { size } = fstatSync(fd);
  if (size === 0) return false;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] !== 0x0a;
}

export interface EventLog {
  log(level: LogLevel, message: string): Promise<void>;
}

/**
 * The health log (`[time] [LEVEL] message`); ERROR and ALERT events also go to the alerts log
 * (`[time] message`) when one is given (docs/SPEC.md section 2).
 */
export function createEventLog(file: string, alertsFile: string | undefined, now: () => Date = () => new Date()): EventLog {
  return {
    async log(level, message) {
      const at = now();
      await appendLine(file, formatLogLine(level, message, at), true);
      if (alertsFile !== undefined && (level === 'ERROR' || level === 'ALERT')) {
        await appendLine(alertsFile, formatAlertLine(message, at), true);
      }
    },
  };
}
