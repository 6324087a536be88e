import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueBackend, QueueTask } from '../../src/queue/backend.js';
import { attemptOutputs, locateTaskLog } from '../../src/worker/task-logs.js';
import { makeTempDir } from '../helpers/temp.js';
import { queueTask } from '../helpers/queue-task.js';

const task: QueueTask = queueTask({
  ...{ id: '0', subissue: '201', parent: '200', repo: 'acme/widgets', status: 'failed', workerId: 2, attempts: 2 },
  ...{ createdAt: '2026-03-01T10:00:00.000Z', claimedAt: '2026-03-01T10:00:01.000Z', finishedAt: '2026-03-01T10:05:00.000Z' },
});

const pueue = { name: 'pueue' } as QueueBackend;

function outputsUnder(root: string, names: Record<string, string[]>): void {
  for (const [worker, files] of Object.entries(names)) {
    mkdirSync(join(root, 'runs', worker), { recursive: true });
    for (const file of files) writeFileSync(join(root, 'runs', worker, file), file);
  }
}

describe("which output files are a task's", () => {
  it("takes the task's own attempts, not those of an earlier task with the same Pueue id nor another backend's", async () => {
    const root = makeTempDir('hw-logs-');
    outputsUnder(root, {
      'worker-1': [
        // Pueue's ids restart at 0: task 0 of last week is another task.
        'task-0-pueue-20260222T090000000Z-attempt-1.log',
        'task-0-embedded-20260301T100001000Z-attempt-1.log',
        'task-0-pueue-20260301T100001000Z-attempt-1.log',
        'task-0-pueue-20260301T100001000Z-attempt-1.log.1700000000000.earlier',
        'task-0-pueue-20260301T100001000Z-attempt-1.log.setup',
      ],
      'worker-2': ['task-0-pueue-20260301T100001000Z-attempt-2.log', 'task-10-pueue-20260301T100001000Z-attempt-1.log'],
    });
    const outputs = await attemptOutputs(root, task, 'pueue');
    expect(outputs.map((output) => [output.workerId, output.attempt])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(outputs[0]!.takenAt).toBe('2026-03-01T10:00:01.000Z');
    expect((await locateTaskLog(root, pueue, task)).output.file).toMatch(/worker-2\/task-0-pueue-20260301T100001000Z-attempt-2\.log$/);
    expect(await locateTaskLog(root, pueue, task, 1)).toMatchObject({ latest: false, output: { attempt: 1 } });
    await expect(locateTaskLog(root, pueue, task, 3)).rejects.toThrow(
      'acme/widgets#201 (id:0) has no attempt 3 here; its attempts are 1, 2.',
    );
  });

  it('says in one sentence why a task has no output', async () => {
    const root = makeTempDir('hw-logs-');
    await expect(locateTaskLog(root, pueue, { ...task, status: 'queued' })).rejects.toThrow(
      'acme/widgets#201 (id:0) has no output yet: it is queued and no attempt has started.',
    );
    await expect(locateTaskLog(root, pueue, { ...task, status: 'claimed' })).rejects.toThrow(
      'acme/widgets#201 (id:0) has no output yet: worker 2 has not started its attempt.',
    );
    await expect(
      locateTaskLog(root, { name: 'postgres', host: 'here' } as QueueBackend, { ...task, status: 'claimed', host: 'there' }),
    ).rejects.toThrow('acme/widgets#201 (id:0) runs on host there; its output is there (run worker-queue logs on that host).');
  });
});
