import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { taskHistoryRecordSchema } from '../../src/history/task-history.js';
import { parseCanonicalRecord } from '../../src/history/canonical-record.js';
import { DurationWindow } from '../../src/performance/duration-window.js';
import { readHistory } from '../../src/history/history-reader.js';
import { toPerformanceRecord } from '../../src/history/history-record.js';
import { HistoryAccumulator } from '../../src/performance/history-summary.js';
import { parseIsoTime } from '../../src/core/iso-time.js';
import { TopN } from '../../src/performance/top-n.js';
import { performanceRecord } from '../helpers/performance-record.js';
import { makeTempDir } from '../helpers/temp.js';

const valid = {
  version: 1,
  task_id: '1201',
  parent: '120',
  worker_id: 2,
  attempts: 1,
  started_at: '2026-11-27T06:10:00Z',
  ended_at: '2026-11-27T07:16:30.250+01:00',
  result: 'success',
  error_class: null,
  cost_usd: 0.35,
  input_tokens: 20000,
  output_tokens: 3500,
  num_turns: 14,
};

const CASES: [string, unknown][] = [
  ['a full record', valid],
  [
    'a minimal record',
    {
      task_id: 'a',
      parent: '',
      worker_id: 1,
      attempts: 0,
      started_at: valid.started_at,
      ended_at: '2026-11-27T07:00:00Z',
      result: 'review',
    },
  ],
  ['a failure with its class and message', { ...valid, result: 'failed', error_class: 'timeout', error: 'took too long' }],
  ['extra keys', { ...valid, session_id: 's-1', resumed: true, backend: 'pueue', something_new: [1] }],
  ['version 2', { ...valid, version: 2 }],
  ['no task id', { ...valid, task_id: undefined }],
  ['an empty task id', { ...valid, task_id: '' }],
  ['a numeric parent', { ...valid, parent: 120 }],
  ['worker 0', { ...valid, worker_id: 0 }],
  ['a fractional worker', { ...valid, worker_id: 1.5 }],
  ['a string worker', { ...valid, worker_id: '2' }],
  ['negative attempts', { ...valid, attempts: -1 }],
  ['an unknown result', { ...valid, result: 'done' }],
  ['an unknown error class', { ...valid, error_class: 'cosmic_ray' }],
  ['a date without time', { ...valid, started_at: '2026-11-27' }],
  ['a time without zone', { ...valid, ended_at: '2026-11-27T06:16:30' }],
  ['February 30', { ...valid, started_at: '2026-02-30T06:10:00Z' }],
  ['epoch seconds', { ...valid, started_at: 1795759200 }],
  ['a negative cost', { ...valid, cost_usd: -1 }],
  ['fractional tokens', { ...valid, input_tokens: 1.5 }],
  ['a numeric error', { ...valid, error: 3 }],
  ['a string resumed', { ...valid, resumed: 'yes' }],
  ['an array', [valid]],
  ['null', null],
];

describe('history record validation', () => {
  it.each(CASES)('agrees with taskHistoryRecordSchema on %s', (_name, value) => {
    expect(toPerformanceRecord(value) !== undefined).toBe(taskHistoryRecordSchema.safeParse(value).success);
  });

  it('refuses a record that ends before it starts, and measures the duration across offsets', () => {
    expect(toPerformanceRecord({ ...valid, ended_at: '2026-11-27T06:00:00Z' })).toBeUndefined();
    expect(toPerformanceRecord(valid)?.durationMs).toBe(390_250);
  });
});

describe('bounded aggregation', () => {
  it('DurationWindow gives nearest-rank quantiles over the most recent values only', () => {
    const window = new DurationWindow(4);
    expect(window.quantile(0.5)).toBeNull();
    for (const value of [1000, 1, 2, 3, 4]) window.push(value);
    expect(window.quantile(0.5)).toBe(2);
    expect(window.quantile(0.9)).toBe(4);
  });

  it('TopN keeps the largest keys, later offers first on ties, within twice its limit', () => {
    const top = new TopN<{ id: number; key: number }>(2, (item) => item.key);
    for (let id = 0; id < 1000; id += 1) top.offer({ id, key: id % 10 });
    expect(top.values()).toEqual([
      { id: 999, key: 9 },
      { id: 989, key: 9 },
    ]);
  });

  it('TopN keeps the right items when most offers fall below the kept ones', () => {
    const top = new TopN<{ id: number; key: number }>(3, (item) => item.key);
    for (let id = 0; id < 1000; id += 1) top.offer({ id, key: id === 500 ? 2000 : 1000 - id });
    expect(top.values().map((item) => item.id)).toEqual([500, 0, 1]);
  });

  it('summarises 30,000 records with a timeline of at most the limit, newest first', () => {
    const now = new Date('2026-11-27T12:00:00Z');
    const accumulator = new HistoryAccumulator({
      now,
      since: new Date(now.getTime() - 3_600_000),
      timelineLimit: 3,
      slowTaskThresholdMs: 5000,
      host: 'local',
      durationWindow: 100,
    });
    for (let i = 0; i < 30_000; i += 1) {
      accumulator.add(
        performanceRecord({
          task_id: String(i),
          worker_id: 1 + (i % 3),
          endedAt: now.getTime() - (30_000 - i) * 1000,
          durationMs: i % 10 === 0 ? 6000 : 1000,
          cost_usd: 0.5,
        }),
      );
    }
    accumulator.skip();
    const summary = accumulator.summary();
    expect(summary.records).toBe(30_000);
    expect(summary.invalid).toBe(1);
    expect(summary.timeline.matching).toBe(3600);
    expect(summary.timeline.entries.map((entry) => entry.task_id)).toEqual(['29999', '29998', '29997']);
    expect(summary.finished_last_hour).toBe(3600);
    expect(summary.finished_last_day).toBe(30_000);
    expect(summary.slow.count).toBe(3000);
    expect(summary.slow.slowest).toHaveLength(5);
    expect(summary.duration.median_ms).toBe(1000);
    expect(summary.cost.cost_usd).toBe(15_000);
    expect([...summary.workers.keys()]).toEqual(['local/1', 'local/2', 'local/3']);
  });
});

describe('readHistory', () => {
  it('streams valid records, counts invalid lines, ignores blank ones', async () => {
    const file = join(makeTempDir(), 'tasks.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(valid),
        'not json',
        '',
        '   ',
        JSON.stringify({ ...valid, worker_id: -1 }),
        JSON.stringify(valid),
        '{"task_id":"half',
      ].join('\n'),
    );
    const seen: string[] = [];
    let skipped = 0;
    await readHistory(file, { add: (value) => seen.push(value.task_id), skip: () => (skipped += 1) });
    expect(seen).toEqual(['1201', '1201']);
    expect(skipped).toBe(3);
  });

  it('reads lines across chunk boundaries in every form: canonical, spaced, CRLF, invalid, blank, unterminated', async () => {
    const file = join(makeTempDir(), 'tasks.jsonl');
    // Parents of three-byte characters put some chunk boundaries inside a character.
    const parentOf = (i: number) => '✓'.repeat(i % 50);
    const canonical = (i: number) =>
      JSON.stringify(
        taskHistoryRecordSchema.parse({
          ...valid,
          task_id: `c${i}`,
          parent: parentOf(i),
          started_at: '2026-11-27T06:10:00.000Z',
          ended_at: '2026-11-27T06:20:00.000Z',
        }),
      );
    expect(parseCanonicalRecord(canonical(0), 0, canonical(0).length)).toBeDefined();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i += 1) {
      lines.push(canonical(i));
      if (i % 500 === 0) lines.push(JSON.stringify(valid, null, 1).replaceAll('\n', ' '), `${canonical(i)}\r`, '{"task_id":', '');
    }
    writeFileSync(file, `${lines.join('\n')}\n${canonical(3000)}`);
    const seen = new Set<string>();
    let added = 0;
    let skipped = 0;
    let totalMs = 0;
    const wrongParents: string[] = [];
    await readHistory(file, {
      add: (record) => {
        added += 1;
        seen.add(record.task_id);
        totalMs += record.durationMs;
        if (record.parent !== (record.task_id === valid.task_id ? valid.parent : parentOf(Number(record.task_id.slice(1)))))
          wrongParents.push(record.parent);
      },
      skip: () => (skipped += 1),
    });
    expect(wrongParents).toEqual([]);
    expect(added).toBe(3001 + 6 + 6);
    expect(seen.size).toBe(3001 + 1);
    expect(skipped).toBe(6);
    expect(totalMs).toBe(3007 * 600_000 + 6 * 390_250);
  });

  it('reads a missing history as empty', async () => {
    let calls = 0;
    await readHistory(join(makeTempDir(), 'none', 'tasks.jsonl'), { add: () => (calls += 1), skip: () => (calls += 1) });
    expect(calls).toBe(0);
  });
});

describe('parseIsoTime', () => {
  it.each([
    '2026-11-27T06:10:00Z',
    '2026-11-27T06:10:00.1Z',
    '2026-11-27T06:10:00.129Z',
    '2026-11-27T06:10:00.123456789Z',
    '2026-11-27T06:10Z',
    '2026-11-27T23:59:59+05:30',
    '2026-11-27T00:00:00-0800',
    '2028-02-29T12:00:00Z',
    '1999-12-31T23:59:59.999-01:00',
  ])('reads %s as Date.parse does', (text) => {
    expect(parseIsoTime(text)).toBe(Date.parse(text));
  });

  it.each([
    '2026-02-30T06:10:00Z',
    '2027-02-29T06:10:00Z',
    '2026-11-27T24:00:00Z',
    '2026-11-27T06:10:00',
    '2026-11-27',
    '2026-11-27 06:10:00Z',
    'soon',
    12,
  ])('refuses %s, as zod does', (text) => {
    expect(parseIsoTime(text)).toBeNaN();
    expect(z.string().datetime({ offset: true }).safeParse(text).success).toBe(false);
  });
});
