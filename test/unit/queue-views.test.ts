import { describe, expect, it } from 'vitest';
import { visibleWidth } from '../../src/core/text-table.js';
import type { QueueTask } from '../../src/queue/backend.js';
import { renderMonitorFrame, renderQueueTable, snapshotJson, type QueueSnapshot } from '../../src/queue/queue-views.js';
import { queueTask } from '../helpers/queue-task.js';

const task = (id: number, fields: Partial<QueueTask>): QueueTask =>
  queueTask({ id: String(id), subissue: String(1000 + id), parent: '77', priority: 2, ...fields });

const snapshot: QueueSnapshot = {
  backend: 'pueue',
  generatedAt: '2026-01-01T03:25:45.000Z',
  repo: 'acme/widgets',
  depth: { queued: 1, claimed: 1, running: 1, done: 0, failed: 1, review: 0, cancelled: 0 },
  tasks: [
    task(1, {}),
    task(2, { status: 'claimed', workerId: 12, attempts: 2, lastError: 'backend_error: pueue status failed: connection refused' }),
    task(3, {
      status: 'failed',
      workerId: 3,
      attempts: 3,
      lastError: 'agent_error: the agent exited with code 1: fatal: could not read Username (after 3 attempt(s))',
    }),
  ],
};

describe('worker-queue list and monitor views', () => {
  it('fit an 80-column terminal: Attempts and Age go, the last error is cut short, the rest stays', () => {
    for (const colorLevel of [0, 1] as const) {
      const lines = [
        ...renderQueueTable(snapshot, colorLevel, 80).split('\n'),
        ...renderMonitorFrame(snapshot, colorLevel, 80).split('\n'),
      ];
      expect(lines.filter((line) => visibleWidth(line) > 80)).toEqual([]);
    }
    const table = renderQueueTable(snapshot, 0, 80);
    expect(table).toMatch(/│ ID │ Subissue │ Parent │ Priority │ Status\s+│ Worker │ Last error\s+│/);
    expect(table).toMatch(/│ 3\s+│ 1003\s+│ 77\s+│ 2\s+│ failed\s+│ 3\s+│ agent_error: the age… │/);
  });

  it('shows every column and the whole (60-character) error without a width', () => {
    const table = renderQueueTable(snapshot, 0);
    expect(table).toContain('Attempts');
    expect(table).toMatch(/│ Attempts │ Age\s+│ Last error/);
    expect(table).toContain('│ agent_error: the agent exited with code 1: fatal: could not  │');
  });
});

describe('earlier tasks of one sub-issue in list', () => {
  it('shows a follow-up or rerun before the current task as 201~1, and list --json gives each task the reference to type', () => {
    const rerun: QueueSnapshot = {
      ...snapshot,
      tasks: [
        task(4, { subissue: '201', repo: 'acme/widgets', status: 'done', createdAt: '2026-01-01T00:00:00.000Z' }),
        task(5, { subissue: '201', repo: 'acme/widgets', status: 'queued', createdAt: '2026-01-01T01:00:00.000Z' }),
      ],
    };
    const cells = renderQueueTable(rerun, 0)
      .split('\n')
      .map((row) => row.split(/[\s│|]+/).filter(Boolean));
    expect(cells.find((row) => row[0] === '5')?.[1]).toBe('201');
    expect(cells.find((row) => row[0] === '4')?.[1]).toBe('201~1');
    expect(snapshotJson(rerun).tasks.map((entry) => entry.ref)).toEqual(['acme/widgets#201~1', 'acme/widgets#201']);
  });
});
