import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { WorkersError, errnoCode } from '../core/errors.js';
import { toPerformanceRecord, type PerformanceRecord } from './history-record.js';

export interface HistoryVisitor {
  add(record: PerformanceRecord): void;
  /** A non-blank line that is not a valid record (bad JSON, wrong shape, a half-written last line). */
  skip(): void;
}

/**
 * Streams the JSONL task history line by line into `visitor`, so memory stays flat however long
 * the history grows. A missing file is an empty history.
 */
export async function readHistory(historyFile: string, visitor: HistoryVisitor): Promise<void> {
  const stream = createReadStream(historyFile, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  const opened = new Promise<boolean>((resolve, reject) => {
    stream.once('ready', () => resolve(true));
    stream.once('error', (error) => (errnoCode(error) === 'ENOENT' ? resolve(false) : reject(error)));
  });
  try {
    if (!(await opened)) return;
  } catch (error) {
    throw new WorkersError('store', `Cannot read the task history ${historyFile}: ${(error as Error).message}.`, { cause: error });
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      visitor.skip();
      continue;
    }
    const record = toPerformanceRecord(value);
    if (record === undefined) visitor.skip();
    else visitor.add(record);
  }
}
