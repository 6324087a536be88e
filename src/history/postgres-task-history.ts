import type { Database } from '../adapters/postgres/database.js';
import { taskHistoryRecordSchema, type TaskHistoryRecord } from './task-history.js';
import type { HistoryVisitor } from './history-reader.js';
import { toPerformanceRecord } from './history-record.js';
import type { RunOfTask, TaskHistoryStore } from './task-history-store.js';

/** Rows per read: memory stays that of one batch however long the history grows. */
const BATCH_ROWS = 5000;

/**
 * The task history of WORKER_BACKEND=postgres: table hw_task_history, a row per finished task of
 * any host. `local` is this host's own history file, which gets a copy of each of its records:
 * the notifier and the parent status read it there, as on one host.
 */
export class PostgresTaskHistory implements TaskHistoryStore {
  constructor(
    /** Opened on first use (openFleetStores). */
    private readonly database: () => Promise<Database>,
    private readonly host: string,
    private readonly local: Pick<TaskHistoryStore, 'append'>,
  ) {}

  async append(record: TaskHistoryRecord, now: Date): Promise<void> {
    const valid = { ...taskHistoryRecordSchema.parse(record), host: this.host };
    await (
      await this.database()
    ).query('INSERT INTO hw_task_history (host, worker_id, task_id, started_at, record) VALUES ($1, $2, $3, $4, $5)', [
      this.host,
      valid.worker_id,
      valid.task_id,
      valid.started_at,
      JSON.stringify(valid),
    ]);
    await this.local.append(record, now);
  }

  async hasRecord(run: RunOfTask): Promise<boolean> {
    const { rows } = await (
      await this.database()
    ).query('SELECT 1 FROM hw_task_history WHERE task_id = $1 AND host = $2 AND worker_id = $3 AND started_at = $4 LIMIT 1', [
      run.task_id,
      this.host,
      run.worker_id,
      run.started_at,
    ]);
    return rows.length > 0;
  }

  async read(visitor: HistoryVisitor): Promise<void> {
    for (let after = '0'; ; ) {
      const { rows } = await (
        await this.database()
      ).query<{ id: string; host: string; record: unknown }>(
        'SELECT id, host, record FROM hw_task_history WHERE id > $1 ORDER BY id LIMIT $2',
        [after, BATCH_ROWS],
      );
      for (const row of rows) {
        const record = toPerformanceRecord(row.record);
        if (record === undefined) visitor.skip();
        else visitor.add({ ...record, host: row.host });
      }
      if (rows.length < BATCH_ROWS) return;
      after = rows.at(-1)!.id;
    }
  }
}
