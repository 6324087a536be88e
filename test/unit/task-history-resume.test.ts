import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendTaskHistory, historyHasRecord, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { makeTempDir } from '../helpers/temp.js';

const run = { task_id: '42', worker_id: 3, started_at: '2026-11-30T23:58:00.000Z' };
const record: TaskHistoryRecord = {
  ...run,
  version: 1,
  parent: '4',
  attempts: 1,
  ended_at: '2026-11-30T23:59:30.000Z',
  result: 'success',
  error_class: null,
};

describe('historyHasRecord, asked by a resumed worker whether it already recorded its run', () => {
  it('finds a record that rolled over into last month’s file just before the resume', async () => {
    const historyFile = join(makeTempDir('hw-history-resume-'), 'history', 'tasks.jsonl');
    await appendTaskHistory(historyFile, record, new Date('2026-11-30T23:59:30Z'));
    utimesSync(historyFile, new Date('2026-11-30T23:59:30Z'), new Date('2026-11-30T23:59:30Z'));
    // Another worker's first record of December rolls tasks.jsonl over into tasks-2026-11.jsonl.
    await appendTaskHistory(historyFile, { ...record, task_id: '43', worker_id: 1 }, new Date('2026-12-01T00:00:05Z'));

    expect(existsSync(join(historyFile, '..', 'tasks-2026-11.jsonl'))).toBe(true);
    expect(await historyHasRecord(historyFile, run)).toBe(true);
    expect(await historyHasRecord(historyFile, { ...run, started_at: '2026-11-30T23:00:00.000Z' })).toBe(false);
  });

  it('finds it in the current file, and says no on an empty history', async () => {
    const historyFile = join(makeTempDir('hw-history-resume-'), 'history', 'tasks.jsonl');
    expect(await historyHasRecord(historyFile, run)).toBe(false);
    await appendTaskHistory(historyFile, record, new Date());
    expect(await historyHasRecord(historyFile, run)).toBe(true);
  });
});
