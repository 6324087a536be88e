import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { git, makeGitRepo } from '../helpers/git-repo.js';

const EMBEDDED = { WORKER_BACKEND: 'embedded' };
/** A clone of acme/widgets, fresh for each test: the repository every command here names its tasks in. */
let CLONE: string;
beforeEach(() => {
  CLONE = makeGitRepo();
  git(CLONE, 'remote', 'add', 'origin', 'git@github.com:acme/widgets.git');
});
const queue = (home: string, args: string[], env: Record<string, string> = EMBEDDED) =>
  runBin('worker-queue', args, { home, env, cwd: CLONE });
const listJson = async (home: string, env?: Record<string, string>) =>
  JSON.parse(String((await queue(home, ['list', '--json'], env)).stdout)) as {
    backend: string;
    tasks: { id: string; repo: string | null; subissue: string; status: string; priority: number }[];
  };

describe('worker-queue (embedded backend)', () => {
  it('retry --force returns a task claimed by a worker that is gone', async () => {
    const home = makeTempDir();
    await queue(home, ['add', '2', '10', '121']);
    const { backend } = await openQueueBackend({
      paths: dataPaths(home),
      settings: { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'embedded' },
      env: process.env,
    });
    await backend.claim(5);
    const refused = await queue(home, ['retry', '121']);
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr)).toMatch(
      /acme\/widgets#121 \(id:1\) is claimed by worker 5; only done, failed, review or cancelled tasks can be retried \(--force returns a claim whose worker is gone\)/,
    );
    const forced = await queue(home, ['retry', '--force', '#121']);
    expect(forced.exitCode, String(forced.stderr)).toBe(0);
    expect(String(forced.stdout)).toBe('acme/widgets#121 (id:1) is queued again.');
    expect((await listJson(home)).tasks.map((task) => task.status)).toEqual(['queued']);
  });

  it('names each task by its repository: list shows the current one, --all every one with a Repository column; a bare number is a sub-issue of the current one', async () => {
    const home = makeTempDir();
    const other = makeGitRepo();
    git(other, 'remote', 'add', 'origin', 'https://github.com/acme/gadgets.git');
    expect((await queue(home, ['add', '2', '10', '201'])).exitCode).toBe(0);
    const fromOther = await runBin('worker-queue', ['add', '2', '10', '201'], { home, env: EMBEDDED, cwd: other });
    expect(fromOther.stdout).toBe('Queued acme/gadgets#201 (id:2): sub-issue of #10, priority 2.');
    const mine = await listJson(home);
    expect(mine.tasks.map((task) => [task.id, task.repo])).toEqual([['1', 'acme/widgets']]);
    const table = String((await queue(home, ['list', '--all'])).stdout);
    expect(table).toMatch(/ID │ Repository +│ Subissue/);
    expect(table).toMatch(/acme\/gadgets │ 201 /);
    expect(table).toMatch(/acme\/widgets │ 201 /);
    const removed = await queue(home, ['remove', '201']);
    expect(removed.stdout).toBe('acme/widgets#201 (id:1) removed.');
    expect((await queue(home, ['remove', 'acme/gadgets#201'])).stdout).toBe('acme/gadgets#201 (id:2) removed.');
  });

  it('adds, lists, monitors, retries, removes and cleans', async () => {
    const home = makeTempDir();
    const added = await queue(home, ['add', '2', '10', '101', '--verbose']);
    expect(added.exitCode, String(added.stderr)).toBe(0);
    expect(String(added.stdout)).toBe('Queued acme/widgets#101 (id:1): sub-issue of #10, priority 2.');
    expect(String(added.stderr)).toMatch(/^Queue backend: embedded \(WORKER_BACKEND=embedded\)\.\n/);
    await queue(home, ['add', '1', '10', '102']);

    const table = await queue(home, ['list']);
    expect(String(table.stdout)).toMatch(/101 .* queued/);
    expect(String(table.stdout)).toContain('Queue (embedded): 2 queued, 0 claimed (0 running), 0 done, 0 failed, 0 review');
    expect((await listJson(home)).tasks.map((task) => [task.subissue, task.priority])).toEqual([
      ['101', 2],
      ['102', 1],
    ]);

    const frame = await queue(home, ['monitor']);
    expect(frame.exitCode).toBe(0);
    expect(String(frame.stdout)).toMatch(/^Queue \(embedded\): 2 queued/);

    const refused = await queue(home, ['add', '2', '10', '101']);
    expect(refused.exitCode).not.toBe(0);
    expect(String(refused.stderr)).toMatch(/acme\/widgets#101 \(id:1\) is already queued; use --force/);
    expect((await queue(home, ['add', '2', '10', '101', '--force'])).exitCode).toBe(0);

    const notFinished = await queue(home, ['retry', '101']);
    expect(notFinished.exitCode).toBe(1);
    expect(String(notFinished.stderr)).toMatch(
      /acme\/widgets#101 \(id:\d\) is queued; only done, failed, review or cancelled tasks can be retried/,
    );

    expect((await queue(home, ['remove', 'id:3'])).exitCode).toBe(0);
    expect((await listJson(home)).tasks.map((task) => task.id)).toEqual(['1', '2']);
    const missing = await queue(home, ['remove', 'id:3']);
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr)).toMatch(/There is no task with queue id 3/);
    const otherRepo = await queue(home, ['remove', 'other/repo#101']);
    expect(otherRepo.exitCode).toBe(1);
    expect(String(otherRepo.stderr)).toBe(
      'worker-queue: There is no task for sub-issue 101 of other/repo in the queue; see worker-queue list --all.',
    );

    const clean = await queue(home, ['clean']);
    expect(String(clean.stdout)).toBe('Removed 0 finished tasks older than 7 days, and 0 run files older than RUNS_KEEP_DAYS (14).');
  });

  it.each([
    [['add', '0', '10', '1'], /priority 0 is out of range/],
    [['add', '100', '10', '1'], /priority 100 is out of range/],
    [['add', 'high', '10', '1'], /priority "high" is not a whole number/],
    [['add', '1', 'abc', '1'], /parent issue id "abc" is not a positive number/],
    [['add', '1', '10', '1;touch PWNED'], /subissue issue id "1;touch PWNED" is not a positive number/],
    [['add', '1', '10', '$(touch PWNED)'], /subissue issue id "\$\(touch PWNED\)"/],
    [['add', '1', '10', '1\'"\n2'], /is not a positive number/],
    [
      ['retry', 'x'],
      /"x" names no task: give a sub-issue as 201, #201 or owner\/name#201 \(201~1 for its task before the current one\), or a queue id as id:12\./,
    ],
    [['kill', 'id:x'], /The queue id in "id:x" is not a number/],
    [['remove', '-1'], /./],
    [['clean', 'soon'], /DAYS must be a whole number/],
    [['frobnicate'], /unknown command/],
  ])('refuses %j with exit 2, one line on stderr, nothing written', async (args, message) => {
    const home = makeTempDir();
    const cwd = makeTempDir();
    const result = await runBin('worker-queue', args, { home, env: EMBEDDED, cwd });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(message);
    expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
    expect(String(result.stdout)).toBe('');
    expect(readdirSync(home)).toEqual([]);
    expect(existsSync(join(cwd, 'PWNED'))).toBe(false);
  });

  it('imports queue.txt all or nothing', async () => {
    const home = makeTempDir();
    const bad = join(home, 'bad.txt');
    writeFileSync(bad, '1|10|201|pending|0|2024-01-01\n1|10|oops|pending|0|2024-01-01\n7\n');
    const refused = await queue(home, ['import', bad]);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toMatch(/Nothing imported: .*line 2: subissue "oops".*line 3: expected 6 fields/);
    expect(readdirSync(home)).toEqual(['bad.txt']);

    writeFileSync(
      join(home, 'queue.txt'),
      '3|10|201|pending|0|2024-01-01\n1|10|202|running|2|2024-01-01\n1|10|203|completed|1|2024-01-01\n',
    );
    await queue(home, ['add', '5', '10', '202']);
    const imported = await queue(home, ['import']);
    expect(imported.exitCode, String(imported.stderr)).toBe(0);
    expect(String(imported.stdout)).toBe(
      `Imported 1 task(s) from ${join(home, 'queue.txt')} (1 finished line(s) skipped; already queued: 202).`,
    );
    expect((await listJson(home)).tasks.map((task) => task.subissue)).toEqual(['202', '201']);
  });
});

describeWith(['pueue'], 'worker-queue (pueue backend, isolated daemon)', () => {
  let daemon: IsolatedPueue;
  beforeAll(() => {
    daemon = isolatedPueue();
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('auto picks pueue, starts the daemon, and keeps tasks in the paused group', async () => {
    const home = makeTempDir();
    const env = { WORKER_BACKEND: 'auto', PUEUE_CONFIG_PATH: daemon.configPath };
    const added = await queue(home, ['--verbose', 'add', '1', '10', '301'], env);
    expect(added.exitCode, String(added.stderr)).toBe(0);
    expect(String(added.stderr)).toMatch(/^Queue backend: pueue, group subissues \(WORKER_BACKEND=auto, pueue found on PATH\)\.\n/);
    const listed = await listJson(home, env);
    expect(listed.backend).toBe('pueue');
    expect(listed.tasks).toMatchObject([{ subissue: '301', status: 'queued', priority: 1 }]);
    const id = listed.tasks[0]!.id;
    expect((await queue(home, ['remove', `id:${id}`], env)).exitCode).toBe(0);
    expect((await listJson(home, env)).tasks).toEqual([]);
  });
});
