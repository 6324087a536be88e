import type { QueueTask } from '../../src/queue/backend.js';

/** A queue task for pure tests: queued and unclaimed, of parent 1, its sub-issue its id; `fields` over that. */
export const queueTask = (fields: Partial<QueueTask> & Pick<QueueTask, 'id'>): QueueTask => ({
  subissue: fields.id,
  parent: '1',
  priority: 1,
  status: 'queued',
  workerId: null,
  attempts: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  claimedAt: null,
  finishedAt: null,
  lastError: null,
  ...fields,
});
