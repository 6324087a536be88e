import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { out, withManagerBench } from './worker-manager-helpers.js';

const listTree = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [`${entry.name}/`, ...listTree(join(dir, entry.name)).map((name) => `${entry.name}/${name}`)] : [entry.name],
  );

const serverRuns = (socket: string) => {
  try {
    execFileSync('tmux', ['-L', socket, 'list-sessions'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describeWith(['git', 'tmux'], 'worker-manager scale with real workers', () => {
  it('scales 3 -> 5 -> 2 while 20 tasks run: each completes once, survivors keep their panes, 3 to 5 are gone', async () => {
    await withManagerBench({ CHECK_INTERVAL: '2' }, async (pool) => {
      pool.bench.setScenario({ default: 'sleep:1500' });
      const tasks = [];
      for (let n = 1; n <= 20; n += 1) tasks.push(await pool.bench.backend.add({ subissue: String(200 + n), parent: '9', priority: 2 }));
      const done = async () => (await pool.bench.backend.list()).filter((task) => task.status === 'done').length;
      expect((await pool.wm('scale', '3')).exitCode).toBe(0);
      expect((await pool.wm('start')).exitCode).toBe(0);
      await waitFor(async () => (await done()) >= 2, { timeoutMs: 60_000, what: 'the first tasks to finish' });
      expect((await pool.wm('scale', '5')).exitCode).toBe(0);
      expect([...(await pool.panes()).keys()].sort()).toEqual([1, 2, 3, 4, 5]);
      const survivors = await pool.panes();
      await waitFor(async () => (await pool.bench.backend.list()).some((task) => task.status === 'claimed' && (task.workerId ?? 0) >= 3), {
        timeoutMs: 60_000,
        what: 'a worker to be removed to hold a task',
      });
      const shrink = await pool.wm('scale', '2');
      expect(shrink.exitCode).toBe(0);
      expect(out(shrink.stdout)).toMatch(/Draining workers 5, 4, 3/);
      const panes = await pool.panes();
      expect([...panes.keys()].sort()).toEqual([1, 2]);
      expect(panes.get(1)!.paneId).toBe(survivors.get(1)!.paneId);
      expect(panes.get(2)!.paneId).toBe(survivors.get(2)!.paneId);
      await waitFor(async () => (await done()) === 20, { timeoutMs: 120_000, what: 'all 20 tasks to finish' });
      expect(pool.bench.commits().sort()).toEqual(tasks.map((task) => task.subissue).sort());
      expect(pool.managerLog()).toMatch(/Worker 3 removed after draining/);
      const status = JSON.parse(out((await pool.wm('status', '--json')).stdout));
      expect(status.workers.map((row: { id: number }) => row.id)).toEqual([1, 2]);
    });
  });

  it('refuses bad input with exit 2 and one sentence, changing nothing', async () => {
    await withManagerBench({}, async (pool) => {
      const before = listTree(pool.bench.home);
      for (const args of [
        ['scale', '-1'],
        ['scale', 'abc'],
        ['scale', '100000'],
        ['restart', '0'],
        ['restart', '../x'],
      ]) {
        const result = await pool.wm(...args);
        expect(result.exitCode, args.join(' ')).toBe(2);
        expect(out(result.stderr).trim().split('\n')).toHaveLength(1);
        expect(out(result.stderr)).toMatch(
          /^worker-manager: Invalid (worker (count|id) ".*": use a whole number from \d+ to \d+|host in worker "\.\.\/x": use host\/id .*)\.$/m,
        );
      }
      expect(listTree(pool.bench.home)).toEqual(before);
      expect(serverRuns(pool.socket)).toBe(false);
    });
  });

  it('says clearly when the workers session is missing', async () => {
    await withManagerBench({}, async (pool) => {
      const result = await pool.wm('restart', '1');
      expect(result.exitCode).toBe(1);
      expect(out(result.stderr)).toMatch(/tmux session hw-workers does not exist/);
    });
  });
});
