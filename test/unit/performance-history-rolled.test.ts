import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { appendTaskHistory, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { analyze, buildReport, buildTimelineFor } from '../../src/performance/commands.js';
import type { PerformanceContext } from '../../src/performance/load.js';
import { FIXTURE_QUEUE, NOW } from './performance-fixture.js';
import { makeTempDir } from '../helpers/temp.js';

const HOUR = 3_600_000;

/** A year of history up to NOW: a task every 87 hours, a few failed, across 13 calendar months. */
function yearOfRecords(): TaskHistoryRecord[] {
  const records: TaskHistoryRecord[] = [];
  for (let index = 0; index < 101; index += 1) {
    const ended = new Date(NOW.getTime() - 365 * 24 * HOUR + index * 87 * HOUR + HOUR);
    records.push({
      version: 1,
      task_id: String(1000 + index),
      parent: '10',
      worker_id: (index % 4) + 1,
      attempts: 1 + (index % 3),
      started_at: new Date(ended.getTime() - (10 + (index % 50)) * 60_000).toISOString(),
      ended_at: ended.toISOString(),
      result: index % 7 === 0 ? 'failed' : 'success',
      error_class: index % 7 === 0 ? 'timeout' : null,
      cost_usd: 0.1 + index / 100,
    });
  }
  return records;
}

const contextAt = (root: string): PerformanceContext => ({
  paths: dataPaths(root),
  settings: DEFAULT_SETTINGS,
  now: NOW,
  cores: 4,
  queue: async () => FIXTURE_QUEUE,
});
const line = (record: TaskHistoryRecord) => `${JSON.stringify(record)}\n`;

describe('the task history rolled into monthly files', () => {
  it('a report over a history split across 12 rolled files equals the report over one file', async () => {
    const records = yearOfRecords();
    const one = makeTempDir('hw-history-one-');
    mkdirSync(join(one, 'history'));
    writeFileSync(join(one, 'history', 'tasks.jsonl'), records.map(line).join(''));

    const split = makeTempDir('hw-history-split-');
    const dir = join(split, 'history');
    mkdirSync(dir);
    const current = NOW.toISOString().slice(0, 7);
    for (const record of records) {
      const month = record.ended_at.slice(0, 7);
      writeFileSync(join(dir, month === current ? 'tasks.jsonl' : `tasks-${month}.jsonl`), line(record), { flag: 'a' });
    }
    expect(readdirSync(dir).filter((name) => /^tasks-\d{4}-\d{2}\.jsonl$/.test(name))).toHaveLength(12);

    const year = { since: new Date(NOW.getTime() - 400 * 24 * HOUR), limit: 1000 };
    expect(await buildReport(contextAt(split))).toEqual(await buildReport(contextAt(one)));
    expect(await analyze(contextAt(split))).toEqual(await analyze(contextAt(one)));
    const [splitTimeline, oneTimeline] = [await buildTimelineFor(contextAt(split), year), await buildTimelineFor(contextAt(one), year)];
    expect(oneTimeline.matching).toBe(records.length);
    expect(splitTimeline).toEqual(oneTimeline);
  });

  it('the first record of a new month rolls tasks.jsonl into the file of the month it was last written in', async () => {
    const file = join(makeTempDir('hw-history-roll-'), 'history', 'tasks.jsonl');
    const [first, second] = yearOfRecords();
    await appendTaskHistory(file, first!, new Date('2026-10-31T23:00:00Z'));
    utimesSync(file, new Date('2026-10-31T23:00:00Z'), new Date('2026-10-31T23:00:00Z'));
    await appendTaskHistory(file, second!, new Date('2026-11-01T00:10:00Z'));
    const rolled = file.replace('tasks.jsonl', 'tasks-2026-10.jsonl');
    expect(existsSync(rolled)).toBe(true);
    expect(readFileSync(rolled, 'utf8')).toContain(`"task_id":"${first!.task_id}"`);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toContain(`"task_id":"${second!.task_id}"`);
  });
});
