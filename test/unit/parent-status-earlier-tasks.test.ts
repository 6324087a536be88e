import { describe, expect, it } from 'vitest';
import { buildPoolStatus, renderPoolStatus } from '../../src/github/parent-status.js';
import type { QueueTask } from '../../src/queue/backend.js';
import { queueTask } from '../helpers/queue-task.js';

const task = (id: string, fields: Partial<QueueTask>): QueueTask =>
  queueTask({
    id,
    subissue: '201',
    parent: '200',
    repo: 'acme/widgets',
    status: 'done',
    attempts: 1,
    createdAt: `2026-01-01T00:00:0${id}.000Z`,
    ...fields,
  });

describe('worker-queue status with earlier tasks of one sub-issue', () => {
  it('names a rerun of a sub-issue apart from its current task: #201 is the current one, #201~1 the one before', () => {
    const tasks = [task('1', { status: 'done' }), task('2', { status: 'failed', lastError: 'agent_error: exit 1' })];
    const text = renderPoolStatus(buildPoolStatus(tasks, new Map(), new Date('2026-01-01T01:00:00Z'), []));
    expect(text).toContain('  done #201~1');
    expect(text).toContain('  failed #201: agent_error: exit 1');
  });
});
