import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendTaskHistory, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { readHistory } from '../../src/history/history-reader.js';
import { fillDisk, mountSmallDisk } from '../helpers/small-disk.js';

const record = (taskId: string): TaskHistoryRecord => ({
  version: 1,
  task_id: taskId,
  parent: '7',
  worker_id: 1,
  attempts: 1,
  started_at: '2026-01-01T00:00:00.000Z',
  ended_at: '2026-01-01T00:01:00.000Z',
  result: 'success',
  error_class: null,
  // Longer than the room left on the disk, so the append is cut part-way.
  error: 'x'.repeat(400),
});

async function countHistory(file: string): Promise<{ tasks: string[]; invalid: number }> {
  const seen = { tasks: [] as string[], invalid: 0 };
  await readHistory(file, { add: (entry) => seen.tasks.push(entry.task_id), skip: () => (seen.invalid += 1) });
  return seen;
}

describe('the task history on a full disk (a real tmpfs)', () => {
  it('an append cut short by the full disk is never glued to the next record; the retried record lands whole', async () => {
    const disk = mountSmallDisk('256k');
    const file = join(disk, 'history', 'tasks.jsonl');
    await appendTaskHistory(file, record('100'));
    // Leave 100 bytes in the history's last page and none elsewhere.
    const pad = 4096 - (statSync(file).size % 4096) - 100;
    writeFileSync(file, `${JSON.stringify({ ...record('101'), error: 'y'.repeat(pad - 300) })}\n`, { flag: 'a' });
    expect(4096 - (statSync(file).size % 4096)).toBeGreaterThan(50);
    const filler = fillDisk(disk);

    await expect(appendTaskHistory(file, record('200'))).rejects.toThrow();
    rmSync(filler);
    await appendTaskHistory(file, record('300'));
    // The worker keeps 200 pending and appends it again once it can.
    await appendTaskHistory(file, record('200'));

    expect(readFileSync(file, 'utf8').split('\n').at(-1)).toBe('');
    expect(await countHistory(file)).toEqual({ tasks: ['100', '101', '300', '200'], invalid: 1 });
  });
});
