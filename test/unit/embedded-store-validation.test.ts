import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedQueueFile, openEmbeddedStore } from '../../src/queue/backends/embedded/embedded-store.js';
import { makeTempDir } from '../helpers/temp.js';

const now = () => new Date('2026-12-07T00:00:00.000Z');

function taskOf(id: string) {
  return {
    id,
    subissue: id,
    parent: '1',
    priority: 1,
    status: 'queued',
    workerId: null,
    attempts: 0,
    createdAt: '2026-12-07T00:00:00.000Z',
    claimedAt: null,
    finishedAt: null,
    lastError: null,
    run: null,
  };
}

describe('the embedded queue file, validated once per task text', () => {
  it('still refuses a task that turns invalid after it was read valid, and keeps the file aside', async () => {
    const dir = makeTempDir('hw-embedded-');
    const reasons: string[] = [];
    const store = openEmbeddedStore(dir, 60_000, now, { onCorrupt: async (_movedTo, reason) => void reasons.push(reason) });
    const file = embeddedQueueFile(dir);
    writeFileSync(file, JSON.stringify({ version: 1, nextId: 3, tasks: [taskOf('1'), taskOf('2')] }));
    expect((await store.read()).tasks.map((task) => task.id)).toEqual(['1', '2']);
    // Task 1 unchanged (seen before), task 2 now broken: the read must not take it.
    writeFileSync(file, JSON.stringify({ version: 1, nextId: 3, tasks: [taskOf('1'), { ...taskOf('2'), attempts: -1 }] }));
    const after = await store.read();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/tasks\.1\.attempts/);
    expect(after.tasks.every((task) => task.attempts >= 0)).toBe(true);
  });

  it('gives every read its own objects, and drops keys the schema does not know as before', async () => {
    const dir = makeTempDir('hw-embedded-');
    const store = openEmbeddedStore(dir, 60_000, now);
    const file = embeddedQueueFile(dir);
    writeFileSync(file, JSON.stringify({ version: 1, nextId: 3, tasks: [taskOf('1'), { ...taskOf('2'), extra: 'x' }] }));
    const first = await store.read();
    first.tasks[0]!.status = 'done';
    const second = await store.read();
    expect(second.tasks[0]!.status).toBe('queued');
    expect(second.tasks[1]).not.toHaveProperty('extra');
    expect((await store.read()).tasks[1]).not.toHaveProperty('extra');
    expect(JSON.parse(readFileSync(file, 'utf8')).tasks[1].extra).toBe('x');
  });
});
