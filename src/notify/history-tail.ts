import { open } from 'node:fs/promises';
import { errnoCode } from '../core/errors.js';
import { toPerformanceRecord } from '../history/history-record.js';
import type { FinishedTask } from './observation.js';

const MAX_READ = 4 * 1024 * 1024;

const textOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The tasks appended to the history since byte `offset`, and the offset after the last whole line.
 * A history shorter than the offset was replaced (reset): reading starts over at its end.
 */
export async function readFinishedSince(historyFile: string, offset: number): Promise<{ tasks: FinishedTask[]; offset: number }> {
  let handle;
  try {
    handle = await open(historyFile, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { tasks: [], offset: 0 };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size < offset) return { tasks: [], offset: size };
    const length = Math.min(size - offset, MAX_READ);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    const end = buffer.lastIndexOf(0x0a);
    if (end < 0) return { tasks: [], offset };
    const tasks: FinishedTask[] = [];
    for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
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
    return { tasks, offset: offset + end + 1 };
  } finally {
    await handle.close();
  }
}

/** Where a fresh notifier starts: the history's current end, so old tasks are not news. */
export async function historyEnd(historyFile: string): Promise<number> {
  try {
    const handle = await open(historyFile, 'r');
    try {
      return (await handle.stat()).size;
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 0;
    throw error;
  }
}
