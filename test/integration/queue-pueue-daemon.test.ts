import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { addArgs } from '../../src/adapters/pueue/argv.js';
import { shellQuote } from '../../src/adapters/process.js';
import { PueueClient } from '../../src/adapters/pueue/client.js';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import type { QueueBackend } from '../../src/queue/backend.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { readRunPid, runFilesFor } from '../../src/queue/runs/run-files.js';
import { RUNNER_V1_FILE_NAME } from '../../src/queue/runs/runner-v1.js';
import { isRecordedProcessAlive } from '../../src/adapters/process.js';
import { isolatedPueue, type IsolatedPueue } from '../helpers/pueue-daemon.js';
import { gatedAgent } from '../helpers/queue-probes.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describeWith(['pueue'], 'pueue backend and its daemon', () => {
  let daemon: IsolatedPueue;
  let root: string;
  let backend: QueueBackend;

  beforeEach(async () => {
    daemon = isolatedPueue();
    root = makeTempDir('hw-queue-');
    const settings = { ...DEFAULT_SETTINGS, WORKER_BACKEND: 'pueue' as const };
    ({ backend } = await openQueueBackend({ paths: dataPaths(root), settings, env: process.env, pueueConfigPath: daemon.configPath }));
  });

  afterEach(async () => {
    await daemon.stop();
  });

  it('starts the daemon when it is down, creates the group paused, and finds it again after a stop', async () => {
    expect(daemon.pid()).toBeUndefined();
    const task = await backend.add({ subissue: '1', parent: '1', priority: 1 });
    const first = daemon.pid();
    expect(alive(first)).toBe(true);
    const client = new PueueClient({ configPath: daemon.configPath, env: process.env });
    expect((await client.status()).groups.subissues).toMatchObject({ status: 'Paused' });

    await client.runOk(['shutdown']);
    await waitFor(() => !alive(first), { what: 'daemon stopped' });
    expect(await backend.get(task.id)).toMatchObject({ subissue: '1', status: 'queued' });
    expect(alive(daemon.pid())).toBe(true);
    expect((await client.status()).groups.subissues).toMatchObject({ status: 'Paused' });
  });

  it('a daemon killed while a task runs: after the restart the run is lost, the orphan is stopped, and the task runs again', async () => {
    const task = await backend.add({ subissue: '2', parent: '1', priority: 1 });
    await backend.claim(3);
    const go = join(root, 'go');
    await backend.startRun(task.id, { argv: gatedAgent(go, 0), cwd: root, env: {} });
    await waitFor(async () => (await backend.observeRun(task.id)).state === 'running', { what: 'running', timeoutMs: 30_000 });
    const client = new PueueClient({ configPath: daemon.configPath, env: process.env });
    const runKey = (await client.status()).tasks.find((candidate) => String(candidate.id) === task.id)!.envs.HW_RUN_KEY!;
    const orphan = await waitFor(() => readRunPid(runFilesFor(join(root, 'queue', 'runs'), runKey)), { what: 'runner pid' });

    const pid = daemon.pid()!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), { what: 'daemon gone' });
    expect(isRecordedProcessAlive(orphan)).toBe(true);

    expect(await backend.observeRun(task.id)).toEqual({ state: 'lost' });
    expect(isRecordedProcessAlive(orphan)).toBe(false);
    expect(await backend.get(task.id)).toMatchObject({ status: 'claimed', workerId: 3, attempts: 1 });
    expect(await backend.claim(3)).toMatchObject({ id: task.id });

    await backend.startRun(task.id, { argv: gatedAgent(go, 0), cwd: root, env: {} });
    writeFileSync(go, '');
    await waitFor(async () => (await backend.observeRun(task.id)).state === 'exited', { what: 'second attempt exit', timeoutMs: 30_000 });
    expect(await backend.observeRun(task.id)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect((await backend.get(task.id))?.attempts).toBe(2);
  });

  it('a task added for runner version 1 (node, JSON spec) before an upgrade still runs and reports its exit code', async () => {
    const client = new PueueClient({ configPath: daemon.configPath, env: process.env });
    const queueDir = join(root, 'queue');
    mkdirSync(queueDir, { recursive: true });
    await backend.list();
    // What `add` of version 1 left: a command naming queue-runner-v1.mjs and no HW_RUNNER.
    const runKey = 'added-before-v2';
    const command = [process.execPath, join(queueDir, RUNNER_V1_FILE_NAME), runFilesFor(join(queueDir, 'runs'), runKey).specV1File]
      .map(shellQuote)
      .join(' ');
    const env = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME!,
      HW_RUN_KEY: runKey,
      HW_SUBISSUE: '5',
      HW_PARENT: '1',
      HW_PRIORITY: '1',
    };
    await client.runOk(addArgs({ group: 'subissues', label: 'subissue-5', priority: 99, workingDirectory: queueDir, command }), env);
    const task = await backend.claim(4);
    expect(task).toMatchObject({ subissue: '5', parent: '1', status: 'claimed' });
    const go = join(root, 'go');
    await backend.startRun(task!.id, { argv: gatedAgent(go, 4), cwd: root, env: {} });
    writeFileSync(go, '');
    await waitFor(async () => (await backend.observeRun(task!.id)).state === 'exited', {
      what: 'the version 1 run to exit',
      timeoutMs: 30_000,
    });
    expect(await backend.observeRun(task!.id)).toMatchObject({ state: 'exited', exitCode: 4 });
  });

  it('says clearly when no daemon can be reached', async () => {
    const dir = makeTempDir('hw-pq-bad-');
    const configPath = join(dir, 'pueue.yml');
    // The socket's directory does not exist, so pueued cannot listen.
    writeFileSync(
      configPath,
      `shared:\n  pueue_directory: ${dir}\n  runtime_directory: ${dir}\n  unix_socket_path: ${dir}/missing/dir/pueue.sock\n  pid_path: ${dir}/pueue.pid\nclient: {}\ndaemon: {}\n`,
    );
    const client = new PueueClient({ configPath, env: process.env, startTimeoutMs: 3000 });
    await expect(client.status()).rejects.toThrow(/Pueue daemon could not be reached/);
  });
});
