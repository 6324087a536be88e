import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const queueTxt = (lines: number) =>
  Array.from({ length: lines }, (_, index) => `2|7|${900_000 + index}|pending||2026-01-01T00:00:00Z`).join('\n');

const queuedIn = (home: string) => {
  const file = join(home, 'queue', 'embedded-queue.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { tasks: unknown[] }).tasks.length : 0;
};

describe('worker-queue import (embedded)', () => {
  it('is all or nothing: a SIGTERM while it writes leaves no task, or every task, queued', async () => {
    const home = makeTempDir();
    const source = join(home, 'queue.txt');
    writeFileSync(source, queueTxt(4000));
    const child = execa(process.execPath, [binPath('worker-queue'), 'import', source], {
      env: { CLAUDE_WORKERS_HOME: home, WORKER_BACKEND: 'embedded', NO_COLOR: '1' },
      reject: false,
      stdin: 'ignore',
    });
    let exited = false;
    void child.then(() => (exited = true));
    // Killed as soon as the queue file exists: the old import, one add at a time, had written a
    // few tasks by then and went on to the rest.
    await waitFor(() => exited || existsSync(join(home, 'queue', 'embedded-queue.json')), {
      timeoutMs: 60_000,
      intervalMs: 5,
      what: 'the import writing',
    });
    child.kill('SIGTERM');
    await child;
    expect([0, 4000]).toContain(queuedIn(home));
  });

  it('imports 4000 lines in one write, with ids 1 to 4000 and a duplicate line skipped', async () => {
    const home = makeTempDir();
    const source = join(home, 'queue.txt');
    writeFileSync(source, `${queueTxt(4000)}\n1|7|900000|pending||2026-01-01T00:00:00Z\n`);
    const result = await execa(process.execPath, [binPath('worker-queue'), 'import', source], {
      env: { CLAUDE_WORKERS_HOME: home, WORKER_BACKEND: 'embedded', NO_COLOR: '1' },
      reject: false,
      stdin: 'ignore',
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Imported 4000 task(s) from ${source} (already queued: 900000).`);
    const tasks = (JSON.parse(readFileSync(join(home, 'queue', 'embedded-queue.json'), 'utf8')) as { tasks: { id: string }[] }).tasks;
    expect(tasks.map((task) => Number(task.id))).toEqual(Array.from({ length: 4000 }, (_, index) => index + 1));
  });
});
