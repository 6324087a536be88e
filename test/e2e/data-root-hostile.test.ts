import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { binPath, runBin, type BinResult } from '../helpers/run-bin.js';
import { fillDisk, mountSmallDisk, remountReadOnly } from '../helpers/small-disk.js';
import { makeTempDir } from '../helpers/temp.js';

/** A refusal as the house rules want it: one sentence on stderr (beside worker-queue's backend notice), a non-zero exit, no stack trace. */
function expectOneSentence(result: BinResult, pattern: RegExp): void {
  expect(result.exitCode, result.stderr).not.toBe(0);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(
    result.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('Queue backend:')),
  ).toHaveLength(1);
}

const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

describe('special files and links in the data root', () => {
  // A generous timeout, since a blocked open is what is tested: the FIFO message cannot come from a killed command.
  it.each([
    ['config.json', ['worker-health-monitor', 'metrics', '1']],
    ['health/metrics.json', ['worker-health-monitor', 'metrics', '1']],
    ['health/metrics.json', ['worker-health-monitor', 'heartbeat', '1']],
    ['history/tasks.jsonl', ['worker-performance', 'report']],
  ])('a FIFO at %s is refused, not waited on (%s)', async (file, [bin, ...args]) => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'), { mode: 0o700 });
    mkdirSync(join(home, 'history'), { mode: 0o700 });
    mkfifo(join(home, file));
    const result = await runBin(bin!, args, { home, timeout: 30_000 });
    expectOneSentence(result, new RegExp(`${file.replace('.', '\\.')} is a FIFO, not a regular file; remove it`));
  });

  it('a FIFO at the health log is refused, not waited on', async () => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'), { mode: 0o700 });
    mkfifo(join(home, 'health', 'health.log'));
    const result = await runBin('worker-health-monitor', ['complete', '1', 'true'], { home, timeout: 30_000 });
    expectOneSentence(result, /health\.log is a FIFO, not a regular file; remove it/);
  });

  it('a planted link at the health log is refused; the file it points to gets nothing', async () => {
    const home = makeTempDir();
    const victim = join(makeTempDir('hw-victim-'), 'victim.log');
    writeFileSync(victim, 'untouched\n');
    mkdirSync(join(home, 'health'), { mode: 0o700 });
    symlinkSync(victim, join(home, 'health', 'health.log'));
    const dangling = join(makeTempDir('hw-victim-'), 'created-outside.log');
    symlinkSync(dangling, join(home, 'health', 'alerts.log'));
    const result = await runBin('worker-health-monitor', ['complete', '1', 'false'], { home });
    expectOneSentence(result, /health\.log is a symbolic link; the toolkit does not follow links under its data root/);
    expect(readFileSync(victim, 'utf8')).toBe('untouched\n');
    expect(existsSync(dangling)).toBe(false);
  });

  it('a log the toolkit appends to is kept 0600', async () => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'), { mode: 0o700 });
    writeFileSync(join(home, 'health', 'health.log'), '', { mode: 0o644 });
    chmodSync(join(home, 'health', 'health.log'), 0o644);
    expect((await runBin('worker-health-monitor', ['complete', '1', 'true'], { home })).exitCode).toBe(0);
    expect(statSync(join(home, 'health', 'health.log')).mode & 0o777).toBe(0o600);
  });

  it('a symlinked health directory is refused; metrics.json is not written behind it', async () => {
    const home = makeTempDir();
    const elsewhere = makeTempDir('hw-victim-');
    symlinkSync(elsewhere, join(home, 'health'));
    const result = await runBin('worker-health-monitor', ['heartbeat', '1'], { home });
    expectOneSentence(result, /directory .*health is a symbolic link/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('a data root that is not private', () => {
  it('writable by others: refused with the chmod that fixes it', async () => {
    const home = makeTempDir();
    chmodSync(home, 0o777);
    const result = await runBin('worker-health-monitor', ['heartbeat', '1'], { home });
    expectOneSentence(result, new RegExp(`data root ${home} is writable by group or others; fix it with \`chmod 700 ${home}\``));
    expect(readdirSync(home)).toEqual([]);
  });

  it('owned by another user: refused with the chown that fixes it', async () => {
    const home = makeTempDir();
    chownSync(home, 65534, 65534);
    const result = await runBin('worker-queue', ['add', '1', '7', '900011'], { home, env: { WORKER_BACKEND: 'embedded' } });
    expectOneSentence(
      result,
      new RegExp(`data root ${home} is owned by uid 65534, not by you; fix it with \`chown ${process.getuid!()} ${home}\``),
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('a directory under it that is writable by others: refused', async () => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'));
    chmodSync(join(home, 'health'), 0o777);
    const result = await runBin('worker-health-monitor', ['heartbeat', '1'], { home });
    expectOneSentence(result, /directory .*health is writable by group or others; fix it with `chmod 700 /);
  });

  it('a link to a directory that does not exist: refused, nothing created', async () => {
    const base = makeTempDir();
    const home = join(base, 'workers');
    symlinkSync(join(base, 'missing'), home);
    const result = await runBin('worker-health-monitor', ['heartbeat', '1'], { home });
    expectOneSentence(result, /data root .*workers is a symbolic link to a directory that does not exist/);
    expect(existsSync(join(base, 'missing'))).toBe(false);
  });
});

describeWith(['git'], 'a full or read-only disk under the data root', () => {
  const commands = [
    ['worker-health-monitor', 'heartbeat', '1'],
    ['worker-health-monitor', 'complete', '1', 'true'],
    ['worker-health-monitor', 'restart', '1'],
    ['worker-queue', 'add', '1', '7', '900011'],
  ];
  const env = { WORKER_BACKEND: 'embedded' };

  it('each command says which file and what frees it, in one sentence; what was there stays whole', async () => {
    const home = join(mountSmallDisk('512k'), 'workers');
    await runBin('worker-health-monitor', ['heartbeat', '1'], { home, env });
    await runBin('worker-queue', ['add', '1', '7', '900010'], { home, env });
    const filler = fillDisk(join(home, '..'));
    for (const [bin, ...args] of commands) {
      const result = await runBin(bin!, args, { home, env });
      expectOneSentence(result, new RegExp(`^${bin}: Cannot use ${home}/\\S+: the disk is full; free some space and try again\\.$`, 'm'));
    }
    rmSync(filler);
    const list = await runBin('worker-queue', ['list', '--json'], { home, env });
    expect((JSON.parse(list.stdout) as { tasks: unknown[] }).tasks).toEqual([expect.objectContaining({ subissue: '900010' })]);
    expect((await runBin('worker-health-monitor', ['metrics', '1'], { home, env })).exitCode).toBe(0);
  });

  it('a read-only file system: the same, with the remount that fixes it', async () => {
    const disk = mountSmallDisk('512k');
    const home = join(disk, 'workers');
    await runBin('worker-health-monitor', ['heartbeat', '1'], { home, env });
    await runBin('worker-queue', ['add', '1', '7', '900010'], { home, env });
    remountReadOnly(disk);
    for (const [bin, ...args] of commands) {
      const result = await runBin(bin!, args, { home, env });
      expectOneSentence(result, /Cannot use \S+: the file system is read-only; remount it read-write or set CLAUDE_WORKERS_HOME/);
    }
    // The worker logs what it meets on its way, then ends with the sentence.
    const worker = await runBin('hybrid-worker-enhanced', ['1'], { home, env: { ...env, WORKER_AGENT_CMD: 'true' }, cwd: makeGitRepo() });
    expect(worker.exitCode).not.toBe(0);
    expect(`${worker.stdout}\n${worker.stderr}`).not.toMatch(/unexpected error|\n\s+at |EROFS/);
    expect(worker.stderr.trim().split('\n').at(-1)).toMatch(
      /^hybrid-worker-enhanced: Cannot use \S+: the file system is read-only; remount it read-write/,
    );
  });
});

describe('a file under the data root that the user cannot open (EACCES)', () => {
  const NOBODY = 65534;

  /** Runs a binary as user nobody (the tests run as root, whom no permission stops). */
  function runAsNobody(home: string, bin: string, args: readonly string[]): BinResult {
    const result = spawnSync(
      'runuser',
      ['-u', 'nobody', '--', 'env', `CLAUDE_WORKERS_HOME=${home}`, 'WORKER_BACKEND=embedded', process.execPath, binPath(bin), ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { exitCode: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  }

  it('each command names the file and the fix in one sentence', () => {
    const home = makeTempDir();
    for (const [dir, file] of [
      ['health', 'metrics.json'],
      ['queue', 'embedded-queue.json'],
    ]) {
      mkdirSync(join(home, dir!), { mode: 0o700 });
      writeFileSync(join(home, dir!, file!), '{}\n', { mode: 0o600 });
      chownSync(join(home, dir!), NOBODY, NOBODY);
    }
    chownSync(home, NOBODY, NOBODY);
    for (const [bin, ...args] of [
      ['worker-health-monitor', 'heartbeat', '1'],
      ['worker-health-monitor', 'complete', '1', 'true'],
      ['worker-health-monitor', 'restart', '1'],
      ['worker-queue', 'add', '1', '7', '900011'],
    ]) {
      const result = runAsNobody(home, bin!, args);
      expectOneSentence(
        result,
        new RegExp(`^${bin}: Cannot use ${home}/\\S+\\.json: permission denied; make it yours \\(chown, chmod u\\+rw\\)`, 'm'),
      );
    }
  });
});
