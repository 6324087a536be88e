import { createReadStream } from 'node:fs';
import { WorkersError, errnoCode } from '../core/errors.js';
import { toPerformanceRecord, type PerformanceRecord } from './history-record.js';

export interface HistoryVisitor {
  add(record: PerformanceRecord): void;
  /** A non-blank line that is not a valid record (bad JSON, wrong shape, a half-written last line). */
  skip(): void;
}

function visitLine(line: string, visitor: HistoryVisitor): void {
  if (line.trim() === '') return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    visitor.skip();
    return;
  }
  const record = toPerformanceRecord(value);
  if (record === undefined) visitor.skip();
  else visitor.add(record);
}

/**
 * Streams the JSONL task history into `visitor` a chunk at a time, so memory stays flat however
 * long the history grows. Lines are split by hand: readline costs more than the parsing here.
 * A missing file is an empty history.
 */
export async function readHistory(historyFile: string, visitor: HistoryVisitor): Promise<void> {
  let rest = '';
  try {
    for await (const chunk of createReadStream(historyFile, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        visitLine(text.slice(start, end), visitor);
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    throw new WorkersError('store', `Cannot read the task history ${historyFile}: ${(error as Error).message}.`, { cause: error });
  }
  visitLine(rest, visitor);
}
