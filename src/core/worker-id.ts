import { usageError } from './errors.js';

export const MAX_WORKER_ID = 9999;

/** Validates a worker id from the command line or a file: a positive integer, nothing else. */
export function parseWorkerId(raw: unknown, exitCode?: number): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9]\d{0,3}$/.test(text)) {
    throw usageError(`Invalid worker id ${describeValue(raw)}: use a whole number from 1 to ${MAX_WORKER_ID}.`, exitCode);
  }
  return Number(text);
}

/** Quotes a user value for an error message, shortened so a 10 kB argument stays one line. */
export function describeValue(raw: unknown): string {
  const text = typeof raw === 'string' ? raw : String(raw);
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}
