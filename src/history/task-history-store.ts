import { historyFiles } from './history-rollover.js';
import { appendTaskHistory, historyHasRecord, type TaskHistoryRecord } from './task-history.js';
import { readHistoryFiles, type HistoryVisitor } from './history-reader.js';

export type RunOfTask = Pick<TaskHistoryRecord, 'task_id' | 'worker_id' | 'started_at'>;

/**
 * The finished tasks. Two implementations: history/tasks.jsonl with its monthly roll-over (one
 * host) and the database (every host of WORKER_BACKEND=postgres, records carrying `host`); picked
 * by openFleetStores. Writes are this host's; `read` streams every record the store holds.
 */
export interface TaskHistoryStore {
  append(record: TaskHistoryRecord, now: Date): Promise<void>;
  /** Whether this host's record of this run of the task is already there (a resumed worker asks). */
  hasRecord(run: RunOfTask): Promise<boolean>;
  read(visitor: HistoryVisitor): Promise<void>;
}

export class FileTaskHistory implements TaskHistoryStore {
  constructor(private readonly historyFile: string) {}

  append(record: TaskHistoryRecord, now: Date): Promise<void> {
    return appendTaskHistory(this.historyFile, record, now);
  }

  hasRecord(run: RunOfTask): Promise<boolean> {
    return historyHasRecord(this.historyFile, run);
  }

  read(visitor: HistoryVisitor): Promise<void> {
    return readHistoryFiles(historyFiles(this.historyFile), visitor);
  }
}
