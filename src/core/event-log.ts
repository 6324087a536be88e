import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ensureDirSync, FILE_MODE } from './fs-safe.js';
import { rotateIfLarge } from './log-rotation.js';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR' | 'ALERT';

/** One event per line, whatever the message holds. */
const oneLine = (message: string) => message.replace(/[\r\n]+/g, ' ').trim();

export const formatLogLine = (level: LogLevel, message: string, at: Date) =>
  `[${at.toISOString()}] [${level}] ${oneLine(message)}\n`;

export const formatAlertLine = (message: string, at: Date) => `[${at.toISOString()}] ${oneLine(message)}\n`;

/** Appends one line; O_APPEND keeps concurrent writers' lines whole. A `rotated` log is rotated by size. */
export async function appendLine(file: string, line: string, rotated = false): Promise<void> {
  try {
    await appendFile(file, line, { mode: FILE_MODE });
  } catch {
    ensureDirSync(dirname(file));
    await appendFile(file, line, { mode: FILE_MODE });
  }
  // Best effort: the line is written; a rotation that fails is tried again by the next line.
  if (rotated) await rotateIfLarge(file).catch(() => undefined);
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
