import { existsSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { git, makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

const commit = (dir: string, message: string) => git(dir, 'commit', '-q', '--allow-empty', '-m', message);

describeWith(['git'], 'worker-queue gc', () => {
  it('keeps a worktree with uncommitted changes, one with unpushed commits, an unfinished task and an unknown one, removes the rest, and says why for each', async () => {
    const bench = await makeWorkerBench('embedded');
    const origin = makeTempDir('hw-origin-');
    git(origin, 'init', '-q', '--bare');
    git(bench.repo, 'remote', 'add', 'origin', origin);
    git(bench.repo, 'push', '-q', 'origin', 'main');
    const ids: Record<string, string> = {};
    const plan: [string, 'done' | 'failed' | 'review' | 'queued'][] = [
      ['11', 'done'],
      ['12', 'done'],
      ['13', 'failed'],
      ['16', 'review'],
      ['14', 'queued'],
    ];
    for (const [subissue, status] of plan) {
      const task = await bench.backend.add({ subissue, parent: '1', priority: 1 });
      ids[subissue] = task.id;
      const place = join(bench.repo, '.worktrees', `subissue-${subissue}`);
      git(bench.repo, 'worktree', 'add', '-q', '-b', `subissue/1-${subissue}`, place, 'main');
      if (status === 'queued') continue;
      await bench.backend.claim(1);
      await bench.backend.finish(task.id, { status });
    }
    git(bench.repo, 'worktree', 'add', '-q', '-b', 'subissue/1-15', join(bench.repo, '.worktrees', 'subissue-15'), 'main');
    const place = (subissue: string) => join(bench.repo, '.worktrees', `subissue-${subissue}`);
    commit(place('11'), 'pushed work');
    git(place('11'), 'push', '-q', 'origin', 'subissue/1-11');
    writeFileSync(join(place('12'), 'scratch.txt'), 'not committed\n');
    commit(place('13'), 'work on no remote');

    const dry = await runBin('worker-queue', ['gc', '--dry-run', '--json'], { home: bench.home, env: bench.env, cwd: bench.repo });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { dry_run: boolean; worktrees: { path: string; action: string; reason: string }[] };
    expect(planned.dry_run).toBe(true);
    expect(planned.worktrees.map((entry) => [entry.path, entry.action])).toEqual([
      [place('11'), 'would_remove'],
      [place('12'), 'kept'],
      [place('13'), 'kept'],
      [place('14'), 'kept'],
      [place('15'), 'kept'],
      [place('16'), 'would_remove'],
    ]);
    expect(existsSync(place('11'))).toBe(true);

    const run = await runBin('worker-queue', ['gc'], { home: bench.home, env: bench.env, cwd: bench.repo });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      `removed: ${place('11')} (task ${ids['11']} is done; nothing uncommitted or unsaved)`,
      `kept: ${place('12')} (it has uncommitted changes (untracked files included))`,
      `kept: ${place('13')} (1 commit(s) are on no remote)`,
      `kept: ${place('14')} (task ${ids['14']} is queued)`,
      `kept: ${place('15')} (the queue does not know this sub-issue)`,
      `removed: ${place('16')} (task ${ids['16']} is review; nothing uncommitted or unsaved)`,
    ]);
    expect(['11', '12', '13', '14', '15', '16'].map((subissue) => existsSync(place(subissue)))).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(git(bench.repo, 'worktree', 'list', '--porcelain')).not.toMatch(/subissue-1[16]/);
    // The branches stay: gc removes checkouts, never work.
    expect(git(bench.repo, 'branch', '--list', 'subissue/1-11')).toMatch(/subissue\/1-11/);
  }, 120_000);

  it('skips a link to another repository and a plain file under .worktrees with one sentence each, never running git through the link', async () => {
    const bench = await makeWorkerBench('embedded');
    const other = makeGitRepo();
    const task = await bench.backend.add({ subissue: '21', parent: '1', priority: 1 });
    await bench.backend.claim(1);
    await bench.backend.finish(task.id, { status: 'done' });
    const worktrees = join(bench.repo, '.worktrees');
    mkdirSync(worktrees);
    // The other repository under a finished task's name: gc must neither inspect nor remove it.
    symlinkSync(other, join(worktrees, 'subissue-21'));
    writeFileSync(join(worktrees, 'subissue-22'), 'a plain file\n');
    writeFileSync(join(other, 'theirs.txt'), 'uncommitted work of another repository\n');
    const gc = (...args: string[]) => runBin('worker-queue', ['gc', ...args], { home: bench.home, env: bench.env, cwd: bench.repo });
    const expected = [
      `kept: ${join(worktrees, 'subissue-21')} (it is a symbolic link, which gc never follows; remove it by hand if it is not wanted)`,
      `kept: ${join(worktrees, 'subissue-22')} (it is not a directory; remove it by hand if it is not wanted)`,
    ];
    for (const args of [['--dry-run'], [], []]) {
      const run = await gc(...args);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(run.stdout.split('\n')).toEqual(expected);
    }
    expect(readFileSync(join(other, 'theirs.txt'), 'utf8')).toMatch(/uncommitted/);
    expect(git(other, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  }, 60_000);

  it('clean removes the run files older than RUNS_KEEP_DAYS of tasks not in play, and keeps those of a queued task and the young ones', async () => {
    const bench = await makeWorkerBench('embedded');
    const finished = await bench.backend.add({ subissue: '21', parent: '2', priority: 1 });
    await bench.backend.claim(1);
    await bench.backend.finish(finished.id, { status: 'done' });
    const queued = await bench.backend.add({ subissue: '22', parent: '2', priority: 1 });
    const outputs = join(bench.paths.root, 'runs', 'worker-1');
    const records = join(bench.paths.queueDir, 'runs');
    mkdirSync(outputs, { recursive: true });
    mkdirSync(records, { recursive: true });
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    const files = {
      oldOutput: join(outputs, `task-${finished.id}-attempt-1.log`),
      oldRecord: join(records, `${finished.id}-1.result.json`),
      queuedOutput: join(outputs, `task-${queued.id}-attempt-1.log`),
      youngOutput: join(outputs, `task-${finished.id}-attempt-2.log`),
    };
    for (const file of Object.values(files)) writeFileSync(file, 'run\n');
    for (const file of [files.oldOutput, files.oldRecord, files.queuedOutput]) utimesSync(file, old, old);

    const clean = await runBin('worker-queue', ['clean'], { home: bench.home, env: { ...bench.env, RUNS_KEEP_DAYS: '2' } });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(clean.stdout).toBe('Removed 0 finished tasks older than 7 days, and 2 run files older than RUNS_KEEP_DAYS (2).');
    expect(Object.fromEntries(Object.entries(files).map(([name, file]) => [name, existsSync(file)]))).toEqual({
      oldOutput: false,
      oldRecord: false,
      queuedOutput: true,
      youngOutput: true,
    });
  }, 60_000);
});
