import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { errnoCode } from '../core/errors.js';
import { historyFiles } from '../history/history-rollover.js';
import { toPerformanceRecord } from '../history/history-record.js';
import type { FinishedTask } from './observation.js';

const MAX_READ = 4 * 1024 * 1024;

const textOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/** Where the notifier has read the history to: a byte offset in the file with this inode. */
export interface HistoryPosition {
  readonly offset: number;
  /** The inode of the file the offset is in; absent in a state written before it was kept. */
  readonly ino?: number;
}

function parseTasks(text: string): FinishedTask[] {
  const tasks: FinishedTask[] = [];
  for (const line of text.split('\n')) {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const record = toPerformanceRecord(raw);
    if (record === undefined) continue;
    const fields = raw as Record<string, unknown>;
    tasks.push({
      task_id: record.task_id,
      parent: record.parent,
      worker_id: record.worker_id,
      result: record.result,
      error_class: record.error_class,
      error: textOrNull(fields.error),
      title: textOrNull(fields.title),
    });
  }
  return tasks;
}

/** The whole lines of `file` from `offset` on (at most MAX_READ, or all of them with `all`); null when it is gone. */
async function readLinesFrom(
  file: string,
  offset: number,
  all = false,
): Promise<{ tasks: FinishedTask[]; offset: number; ino: number; size: number } | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size, ino } = await handle.stat();
    if (size < offset) return { tasks: [], offset, ino, size };
    const tasks: FinishedTask[] = [];
    let at = offset;
    do {
      const length = Math.min(size - at, MAX_READ);
      if (length <= 0) break;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, at);
      const end = buffer.lastIndexOf(0x0a);
      if (end < 0) break;
      tasks.push(...parseTasks(buffer.subarray(0, end).toString('utf8')));
      at += end + 1;
    } while (all);
    return { tasks, offset: at, ino, size };
  } finally {
    await handle.close();
  }
}

/** The rolled month file that is the inode we were reading (tasks.jsonl before its rollover). */
function rolledFileWithInode(historyFile: string, ino: number): string | null {
  for (const file of historyFiles(historyFile).slice(0, -1).reverse()) {
    try {
      if (statSync(file).ino === ino) return file;
    } catch {
      // rolled away meanwhile
    }
  }
  return null;
}

/**
 * The tasks appended to the history since `position`, and the position after the last whole line.
 * When tasks.jsonl rolled over since (a new inode), the rest of the old file, now
 * `tasks-<month>.jsonl`, is read first, then the new file from its start: nothing appended on
 * either side of the rollover is skipped. A history replaced by other means starts over at its end.
 */
export async function readFinishedSince(
  historyFile: string,
  position: HistoryPosition,
): Promise<{ tasks: FinishedTask[] } & HistoryPosition> {
  const current = await historyEnd(historyFile).then((end) => (end.ino === undefined ? null : { ino: end.ino, size: end.offset }));
  const knownIno = position.ino;
  const rolled =
    knownIno !== undefined && current?.ino !== knownIno
      ? rolledFileWithInode(historyFile, knownIno)
      : // A state without the inode: a file shorter than the offset is taken as rolled over.
        knownIno === undefined && current !== null && current.size < position.offset
        ? (historyFiles(historyFile).slice(0, -1).pop() ?? null)
        : null;
  if (rolled !== null) {
    const rest = (await readLinesFrom(rolled, position.offset, true))?.tasks ?? [];
    const fresh = await readLinesFrom(historyFile, 0);
    return { tasks: [...rest, ...(fresh?.tasks ?? [])], offset: fresh?.offset ?? 0, ...(fresh ? { ino: fresh.ino } : {}) };
  }
  if (current === null) return { tasks: [], offset: 0 };
  if (knownIno !== undefined && current.ino !== knownIno) return { tasks: [], offset: current.size, ino: current.ino };
  if (current.size < position.offset) return { tasks: [], offset: current.size, ino: current.ino };
  const read = await readLinesFrom(historyFile, position.offset);
  return read === null ? { tasks: [], offset: 0 } : { tasks: read.tasks, offset: read.offset, ino: read.ino };
}

/** Where a fresh notifier starts: the history's current end, so old tasks are not news. */
export async function historyEnd(historyFile: string): Promise<HistoryPosition> {
  try {
    const { size, ino } = statSync(historyFile);
    return { offset: size, ino };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { offset: 0 };
    throw error;
  }
}
