import { describe, expect, it } from 'vitest';
import type { QueueTask } from '../../src/queue/backend.js';
import { planQueueTxtImport } from '../../src/queue/import-queue-txt.js';
import { compareForClaim, isOlderThan, parsePriority, validateTaskSpec } from '../../src/queue/task-rules.js';
import { queueTask } from '../helpers/queue-task.js';

const task = (id: string, priority: number, createdAt: string, extra: Partial<QueueTask> = {}): QueueTask =>
  queueTask({ id, priority, createdAt, ...extra });

describe('claim order and task rules', () => {
  it('orders by priority number, then age, then id', () => {
    const tasks = [
      task('3', 2, '2026-01-01T00:00:02Z'),
      task('1', 2, '2026-01-01T00:00:01Z'),
      task('2', 1, '2026-01-01T00:00:09Z'),
      task('4', 2, '2026-01-01T00:00:01Z'),
    ];
    expect(tasks.sort(compareForClaim).map((item) => item.id)).toEqual(['2', '1', '4', '3']);
  });

  it('accepts priorities 1 to 99 and positive ids only', () => {
    expect(validateTaskSpec({ subissue: '12', parent: '3', priority: 99 })).toEqual({ subissue: '12', parent: '3', priority: 99 });
    expect(() => parsePriority('1e3')).toThrow(/not a whole number/);
    expect(() => validateTaskSpec({ subissue: '0', parent: '3', priority: 1 })).toThrow(/not a positive number/);
    expect(() => validateTaskSpec({ subissue: '1', parent: '3', priority: 100 })).toThrow(/from 1 \(most urgent\) to 99/);
  });

  it('cleans only finished tasks older than the given days', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    expect(isOlderThan(task('1', 1, '2026-01-01T00:00:00Z', { status: 'done', finishedAt: '2026-01-02T00:00:00Z' }), 7, now)).toBe(true);
    expect(isOlderThan(task('1', 1, '2026-01-01T00:00:00Z', { status: 'done', finishedAt: '2026-01-05T00:00:00Z' }), 7, now)).toBe(false);
    expect(isOlderThan(task('1', 1, '2026-01-01T00:00:00Z'), 0, now)).toBe(false);
  });
});

describe("the shell tool's queue.txt", () => {
  it('imports open lines, counts finished ones, and ignores blanks and comments', () => {
    const text = '# queue\n2|10|101|pending|0|2024-01-01\n\n1|10|102|processing|3|2024-01-02\n5|10|103|completed|1|2024-01-03\r\n';
    expect(planQueueTxtImport(text, 'queue.txt')).toEqual({
      toImport: [
        { priority: 2, parent: '10', subissue: '101' },
        { priority: 1, parent: '10', subissue: '102' },
      ],
      finished: 1,
    });
  });

  it('refuses the whole file and names every bad line', () => {
    const text = '2|10|101|pending|0|x\n0|10|102|pending|0|x\n1|10|$(id)|pending|0|x\n1|10|104|weird|0|x\n1|10\n';
    expect(() => planQueueTxtImport(text, 'q.txt')).toThrow(
      /Nothing imported: q.txt has malformed lines \(line 2: priority "0".*; line 3: subissue "\$\(id\)".*; line 4: status "weird" is unknown; line 5: expected 6 fields/,
    );
  });
});
