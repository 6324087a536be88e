import { usageError } from '../core/errors.js';
import type { TaskSpec } from './backend.js';
import { MAX_PRIORITY, MIN_PRIORITY } from './task-rules.js';

/** Shell-era statuses: the first set is still to do and is imported; the second is history. */
const OPEN_STATUSES = new Set(['pending', 'queued', 'processing', 'running', 'claimed', 'in_progress']);
const CLOSED_STATUSES = new Set(['completed', 'done', 'success', 'failed', 'review', 'cancelled']);

export interface QueueTxtPlan {
  readonly toImport: readonly TaskSpec[];
  /** Lines already finished in the shell tool, counted but not imported. */
  readonly finished: number;
}

function parseLine(line: string): TaskSpec | 'finished' | string {
  const fields = line.split('|');
  if (fields.length !== 6) return `expected 6 fields PRIORITY|PARENT|SUBISSUE|STATUS|WORKER|CREATED, found ${fields.length}`;
  const [priority, parent, subissue, status] = fields.map((field) => field.trim()) as [string, string, string, string];
  if (!/^\d{1,3}$/.test(priority) || Number(priority) < MIN_PRIORITY || Number(priority) > MAX_PRIORITY) {
    return `priority ${JSON.stringify(priority)} is not a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;
  }
  if (!/^[1-9]\d{0,17}$/.test(parent)) return `parent ${JSON.stringify(parent)} is not a positive number`;
  if (!/^[1-9]\d{0,17}$/.test(subissue)) return `subissue ${JSON.stringify(subissue)} is not a positive number`;
  const normalized = status.toLowerCase();
  if (CLOSED_STATUSES.has(normalized)) return 'finished';
  if (!OPEN_STATUSES.has(normalized)) return `status ${JSON.stringify(status)} is unknown`;
  return { priority: Number(priority), parent, subissue };
}

/**
 * Reads the shell tool's queue.txt. Every line is checked first: one bad line refuses the whole
 * file (with every bad line number), so a partial import never happens.
 */
export function planQueueTxtImport(text: string, source: string): QueueTxtPlan {
  const toImport: TaskSpec[] = [];
  const problems: string[] = [];
  let finished = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const parsed = parseLine(line);
    if (parsed === 'finished') finished += 1;
    else if (typeof parsed === 'string') problems.push(`line ${index + 1}: ${parsed}`);
    else toImport.push(parsed);
  });
  if (problems.length > 0) {
    throw usageError(
      `Nothing imported: ${source} has malformed lines (${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}).`,
    );
  }
  return { toImport, finished };
}
