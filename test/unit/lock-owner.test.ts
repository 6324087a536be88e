import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEventLog } from '../../src/core/event-log.js';
import { withFileLock } from '../../src/core/file-lock.js';
import { JsonFile } from '../../src/core/json-store.js';
import { dataPaths } from '../../src/core/paths.js';
import { alertStoppedLockHolders } from '../../src/manager/stopped-lock-alerts.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process of our own, and its start time as /proc records it. */
function liveProcess(): { pid: number; start: string; child: ChildProcess } {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(child);
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  return { pid: child.pid!, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!, child };
}

/** Stops the process and waits until /proc says it is stopped. */
async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGSTOP');
  await waitFor(() => /\) T /.test(readFileSync(`/proc/${child.pid}/stat`, 'utf8')), { what: 'the process stopped' });
}

/** Plants a lock on `path` as its owner would have left it. */
function plantLock(path: string, owner: { pid: number; start: string | null; since?: number }): void {
  mkdirSync(`${path}.lock`, { recursive: true });
  writeFileSync(join(`${path}.lock`, 'owner'), JSON.stringify({ host: hostname(), token: 'planted', since: Date.now(), ...owner }));
}

const quick = { staleMs: 100, wantedAgain: () => false };

describe('the file lock judges its owner by process, not by age', () => {
  it('takes a lock whose recorded pid now belongs to another process (a reused pid)', async () => {
    const path = join(makeTempDir(), 'state.json');
    const { pid } = liveProcess();
    plantLock(path, { pid, start: '1', since: Date.now() });
    expect(await withFileLock(path, quick, async () => 'taken')).toBe('taken');
  });

  it('takes a lock whose owner is gone', async () => {
    const path = join(makeTempDir(), 'state.json');
    const { pid, start, child } = liveProcess();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    plantLock(path, { pid, start });
    expect(await withFileLock(path, quick, async () => 'taken')).toBe('taken');
  });

  it('keeps a fresh lock of a stopped owner and gives up with a sentence naming it', async () => {
    const path = join(makeTempDir(), 'state.json');
    const { pid, start, child } = liveProcess();
    await stop(child);
    plantLock(path, { pid, start, since: Date.now() - 60_000 });
    await expect(withFileLock(path, quick, async () => 'taken')).rejects.toThrow(
      new RegExp(`^Could not lock ${path} within 1 s: held by pid ${pid}, stopped, for 6\\d s\\.$`),
    );
    expect(JSON.parse(readFileSync(join(`${path}.lock`, 'owner'), 'utf8'))).toMatchObject({ pid, token: 'planted' });
  });

  it('makes its lock directory 0700', async () => {
    const path = join(makeTempDir(), 'state.json');
    const mode = await withFileLock(path, quick, async () => statSync(`${path}.lock`).mode & 0o777);
    expect(mode).toBe(0o700);
  });

  it('discards a write whose lock was taken meanwhile and does it again on what the taker wrote', async () => {
    const path = join(makeTempDir(), 'counter.json');
    const file = new JsonFile({ path, schema: z.object({ count: z.number() }), empty: () => ({ count: 0 }) });
    let runs = 0;
    await file.update((draft) => {
      runs += 1;
      if (runs === 1) {
        // Another host's process judged the lock stale, took it and wrote its own count.
        rmSync(`${path}.lock`, { recursive: true });
        writeFileSync(path, JSON.stringify({ count: 10 }));
      }
      draft.count += 1;
    });
    expect(runs).toBe(2);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ count: 11 });
  });
});

describe('the manager on a lock held by a stopped process', () => {
  it('ALERTs once, naming the holder, its state and how to free the file', async () => {
    const paths = dataPaths(makeTempDir());
    const { pid, start, child } = liveProcess();
    await stop(child);
    plantLock(paths.metricsFile, { pid, start, since: Date.now() - 10_000 });
    const log = createEventLog(paths.managerLog, paths.alertsLog);
    const alerted = new Set<string>();
    await alertStoppedLockHolders(paths, log, 5000, alerted);
    await alertStoppedLockHolders(paths, log, 5000, alerted);
    const alerts = readFileSync(paths.alertsLog, 'utf8').trim().split('\n');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(
      `The lock of ${paths.metricsFile} is held by pid ${pid}, stopped, for 10 s: every writer of that file waits; resume it (kill -CONT ${pid}) or end it.`,
    );
  });

  it('says nothing about a running holder', async () => {
    const paths = dataPaths(makeTempDir());
    const { pid, start } = liveProcess();
    plantLock(paths.metricsFile, { pid, start, since: Date.now() - 10_000 });
    await alertStoppedLockHolders(paths, createEventLog(paths.managerLog, paths.alertsLog), 5000, new Set());
    expect(existsSync(paths.alertsLog)).toBe(false);
  });
});

describe('what killed writers leave beside a lock', () => {
  it('the first lock of a path in a process removes a gone writer’s prepared or set-aside directory, and keeps a live one’s', async () => {
    const path = join(makeTempDir('hw-lock-left-'), 'metrics.json');
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const live = liveProcess();
    const leftovers = {
      prepared: join(dirname(path), `.metrics.json.lock.${dead.pid}.a.1.x`), // killed after writing its owner file
      bare: join(dirname(path), `.metrics.json.lock.${dead.pid}.b.2.y`), // killed between mkdir and the owner file
      aside: join(dirname(path), `.metrics.json.lock.stale-${dead.pid}.c.3.z`),
      live: join(dirname(path), `.metrics.json.lock.${live.pid}.d.4.w`),
    };
    for (const dir of Object.values(leftovers)) mkdirSync(dir);
    const owner = (pid: number, start: string | null) => JSON.stringify({ host: hostname(), token: 't', since: Date.now(), pid, start });
    writeFileSync(join(leftovers.prepared, 'owner'), owner(dead.pid!, null));
    writeFileSync(join(leftovers.aside, 'owner'), owner(dead.pid!, null));
    writeFileSync(join(leftovers.live, 'owner'), owner(live.pid, live.start));
    await withFileLock(path, quick, () => Promise.resolve());
    expect(Object.fromEntries(Object.entries(leftovers).map(([name, dir]) => [name, existsSync(dir)]))).toEqual({
      prepared: false,
      bare: false,
      aside: false,
      live: true,
    });
  });
});
