import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendTaskHistory, type TaskHistoryRecord } from '../../src/history/task-history.js';
import { parseCanonicalRecord } from '../../src/history/canonical-record.js';
import { toPerformanceRecord } from '../../src/history/history-record.js';
import { parseCanonicalIsoTime } from '../../src/core/iso-time.js';
import { makeTempDir } from '../helpers/temp.js';

const base: TaskHistoryRecord = {
  version: 1,
  task_id: '1201',
  parent: '120',
  worker_id: 2,
  attempts: 1,
  started_at: '2026-11-27T06:10:00.000Z',
  ended_at: '2026-11-27T07:16:30.250Z',
  result: 'success',
  error_class: null,
};

/** Records with plain values: the writer puts each on a line the fast path reads. */
const PLAIN: TaskHistoryRecord[] = [
  {
    ...base,
    result: 'failed',
    error_class: 'timeout',
    error: 'échec ✗ on attempt 3: took too long',
    backend: 'embedded',
    cost_usd: 1234.5678,
    input_tokens: 20000,
    output_tokens: 3500,
    num_turns: 14,
    session_id: 's-1',
    resumed: true,
  },
  { ...base, parent: '', attempts: 0, result: 'review' },
  {
    ...base,
    error: null,
    cost_usd: 0,
    input_tokens: 999_999_999_999_999,
    started_at: '2028-02-28T23:59:59.999Z',
    ended_at: '2028-02-29T00:00:00.000Z',
  },
];

/** Records the writer keeps valid but puts in a form only the full parser reads. */
const OTHER: [string, TaskHistoryRecord][] = [
  ['an escaped error message', { ...base, error: 'said "no" in C:\\repo' }],
  ['an extra key', { ...base, agent: 'claude' }],
  ['a cost in exponent form', { ...base, cost_usd: 1e-7 }],
  ['a time with an offset', { ...base, ended_at: '2026-11-27T08:16:30+01:00' }],
];

async function writtenLines(records: readonly TaskHistoryRecord[]): Promise<string[]> {
  const file = join(makeTempDir(), 'tasks.jsonl');
  for (const record of records) await appendTaskHistory(file, record);
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}

const fast = (line: string) => parseCanonicalRecord(line, 0, line.length);
function full(line: string) {
  try {
    return toPerformanceRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

describe('parseCanonicalRecord', () => {
  it('reads every plain record as the writer writes it, with the same result as the full parser', async () => {
    for (const line of await writtenLines(PLAIN)) {
      expect(fast(line)).toBeDefined();
      expect(fast(line)).toEqual(full(line));
    }
  });

  it.each(OTHER)('leaves a record with %s to the full parser', async (_name, record) => {
    const [line] = await writtenLines([record]);
    expect(fast(line!)).toBeUndefined();
    expect(full(line!)).toBeDefined();
  });

  it('never disagrees with the full parser on a damaged line: it reads it the same or leaves it', async () => {
    const replacements = ['', '"', '\\', ' ', '0', '9', '-', 'x', '\u0001', '}', ',', 'Z'];
    let read = 0;
    for (const line of await writtenLines(PLAIN)) {
      for (let index = 0; index < line.length; index += 1) {
        for (const replacement of replacements) {
          const damaged = line.slice(0, index) + replacement + line.slice(index + 1);
          const record = fast(damaged);
          if (record === undefined) continue;
          read += 1;
          expect(record, damaged).toEqual(full(damaged));
        }
      }
    }
    // Damage to digits and free text keeps many lines valid; those still take the fast path.
    expect(read).toBeGreaterThan(100);
  });

  it('refuses a canonical line whose date does not exist or whose end precedes its start', () => {
    const line = (started: string, ended: string) => JSON.stringify({ ...base, started_at: started, ended_at: ended });
    expect(fast(line('2026-02-30T06:10:00.000Z', base.ended_at))).toBeUndefined();
    expect(fast(line(base.ended_at, base.started_at))).toBeUndefined();
    expect(fast(line(base.started_at, base.ended_at))?.durationMs).toBe(3_990_250);
  });

  it('reads a line in place, between the offsets given', async () => {
    const [first, second] = await writtenLines([PLAIN[0]!, PLAIN[1]!]);
    const text = `${first}\n${second}\n`;
    expect(parseCanonicalRecord(text, first!.length + 1, text.length - 1)).toEqual(full(second!));
    expect(parseCanonicalRecord(text, 0, text.length - 1)).toBeUndefined();
  });
});

describe('parseCanonicalIsoTime', () => {
  it('reads times as Date.parse does, across days in any order', () => {
    const times = [
      '2026-11-27T06:10:00.000Z',
      '2026-11-27T23:59:59.999Z',
      '2026-11-28T00:00:00.000Z',
      '2026-11-27T12:34:56.789Z',
      '2028-02-29T12:00:00.001Z',
      '1999-12-31T23:59:59.999Z',
    ];
    for (const text of times) expect(parseCanonicalIsoTime(text)).toBe(Date.parse(text));
  });

  it('gives NaN for a date that does not exist, also between valid ones of another day', () => {
    expect(parseCanonicalIsoTime('2026-11-27T06:10:00.000Z')).toBe(Date.parse('2026-11-27T06:10:00.000Z'));
    expect(parseCanonicalIsoTime('2027-02-29T06:10:00.000Z')).toBeNaN();
    expect(parseCanonicalIsoTime('2027-02-29T07:10:00.000Z')).toBeNaN();
    expect(parseCanonicalIsoTime('2026-11-27T06:10:00.000Z')).toBe(Date.parse('2026-11-27T06:10:00.000Z'));
  });
});
