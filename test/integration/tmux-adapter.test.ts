import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  findWorkerPane,
  hasSession,
  installDeathHook,
  killPane,
  listWorkerPanes,
  newSession,
  respawnPane,
  runTmux,
  splitPane,
  tagPane,
} from '../../src/adapters/tmux.js';
import { deathHookCommand } from '../../src/manager/death-events.js';
import { startedEnvironment } from '../helpers/process-scan.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket, tmuxOn } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

const SLEEP = ['sleep', '1000'];

describeWith(['tmux'], 'tmux adapter against a real tmux server', () => {
  it('answers what tmux said, and says in one sentence when tmux hangs or cannot be run', async () => {
    const tmux = { socket: makeTmuxSocket() };
    await newSession(tmux, 'pool', { argv: SLEEP });
    expect(await runTmux(tmux, ['has-session', '-t', '=nosuch'])).toMatchObject({ ok: false, stderr: expect.stringMatching(/nosuch/) });
    // wait-for blocks until the channel is signalled, which nobody does.
    await expect(runTmux({ ...tmux, timeoutMs: 300 }, ['wait-for', 'never'])).rejects.toThrow('tmux failed: timed out after 300 ms.');
    const path = process.env.PATH;
    process.env.PATH = makeTempDir('hw-no-tmux-');
    try {
      await expect(runTmux(tmux, ['list-sessions'])).rejects.toThrow('tmux is not installed; install it (apt-get install tmux).');
    } finally {
      process.env.PATH = path;
    }
  });

  it('creates, tags, finds by @worker_id (not by position) and kills panes', async () => {
    const tmux = { socket: makeTmuxSocket() };
    expect(await hasSession(tmux, 'pool')).toBe(false);
    const first = await newSession(tmux, 'pool', { argv: SLEEP });
    const second = await splitPane(tmux, 'pool', { argv: SLEEP });
    const third = await splitPane(tmux, 'pool', { argv: SLEEP });
    await tagPane(tmux, first, 1);
    await tagPane(tmux, second, 2);
    await tagPane(tmux, third, 3);
    expect(await hasSession(tmux, 'pool')).toBe(true);
    // A session whose name starts like ours is not ours.
    expect(await hasSession(tmux, 'poo')).toBe(false);
    await killPane(tmux, first);
    const panes = await listWorkerPanes(tmux, 'pool');
    expect([...panes.keys()].sort()).toEqual([2, 3]);
    expect(panes.get(3)!.paneId).toBe(third);
    expect(panes.get(3)!.command).toBe('sleep');
    expect(await findWorkerPane(tmux, 'pool', 1)).toBeUndefined();
  });

  it("keeps a new session's first-pane environment out of the panes and windows opened in it later", async () => {
    const tmux = { socket: makeTmuxSocket() };
    const dir = makeTempDir();
    const envOf = (pid: number) => Object.fromEntries(Object.entries(startedEnvironment(pid)).filter(([name]) => name.startsWith('HW_')));
    const first = await newSession(tmux, 'pool', { argv: SLEEP, env: { HW_FIRST_ONLY: 'first', HW_SHARED: '' } });
    await splitPane(tmux, 'pool', { argv: SLEEP });
    // A shell a user opens in the session: it gets the server's environment, not the first pane's.
    await runTmux(tmux, ['new-window', '-d', '-t', '=pool:9', '--', 'sh', '-c', `env > ${join(dir, 'window.env')}; sleep 1000`]);
    await waitFor(() => readFileSync(join(dir, 'window.env'), 'utf8').includes('PATH='), { what: "the window's environment" });
    const panes = (await runTmux(tmux, ['list-panes', '-s', '-t', '=pool', '-F', '#{pane_id} #{pane_pid}'])).stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' '));
    const pidOf = (id: string) => Number(panes.find(([paneId]) => paneId === id)![1]);
    expect(envOf(pidOf(first))).toEqual({ HW_FIRST_ONLY: 'first', HW_SHARED: '' });
    for (const [paneId, pid] of panes.filter(([paneId]) => paneId !== first)) expect(envOf(Number(pid)), paneId).toEqual({});
    expect(readFileSync(join(dir, 'window.env'), 'utf8')).not.toMatch(/^HW_/m);
  });

  it('respawns the same pane with an argv that no shell parses, with its environment', async () => {
    const tmux = { socket: makeTmuxSocket() };
    const dir = makeTempDir();
    const out = join(dir, 'out.txt');
    const pane = await newSession(tmux, 'pool', { argv: SLEEP });
    await tagPane(tmux, pane, 4);
    const hostile = '$(touch pwned); `id` "quoted" \'single\'';
    const script =
      'require("fs").writeFileSync(process.argv[1], process.argv[2] + "|" + process.env.HW_VALUE); setInterval(() => {}, 1000)';
    await respawnPane(tmux, pane, { argv: [process.execPath, '-e', script, out, hostile], env: { HW_VALUE: hostile }, cwd: dir });
    await waitFor(() => readFileSync(out, 'utf8').length > 0, { what: 'the respawned command to write its argv' });
    expect(readFileSync(out, 'utf8')).toBe(`${hostile}|${hostile}`);
    const after = await findWorkerPane(tmux, 'pool', 4);
    expect(after!.paneId).toBe(pane);
  });

  it('keeps a dead pane with its exit status and reports the death through the hook at once', async () => {
    const tmux = { socket: makeTmuxSocket() };
    const dir = makeTempDir('hw tmux #hook ');
    const events = join(dir, 'events');
    const keeper = await newSession(tmux, 'pool', { argv: SLEEP });
    await installDeathHook(tmux, 'pool', deathHookCommand(events));
    const pane = await splitPane(tmux, 'pool', { argv: ['sh', '-c', 'read never'] });
    await tagPane(tmux, pane, 5);
    // tmux skips the hook for about one death in ten (tmux/tmux#2483; the manager's liveness poll
    // covers those, and on a loaded machine it skipped three in a row once), so the pane is revived
    // and killed again, up to five deaths.
    const hookFired = async () => {
      const { pid } = (await findWorkerPane(tmux, 'pool', 5))!;
      process.kill(pid!, 'SIGKILL');
      return waitFor(() => readFileSync(events, 'utf8').includes(pane), { timeoutMs: 5000, what: 'the pane-died hook' }).then(
        () => true,
        async () => {
          await respawnPane(tmux, pane, { argv: ['sh', '-c', 'read never'] });
          return false;
        },
      );
    };
    let fired = false;
    for (let death = 0; death < 5 && !fired; death += 1) fired = await hookFired();
    expect(fired).toBe(true);
    const dead = (await findWorkerPane(tmux, 'pool', 5))!;
    expect(dead.dead).toBe(true);
    expect(dead.paneId).toBe(pane);
    expect(readFileSync(events, 'utf8')).not.toContain(keeper);
    expect(tmuxOn(tmux.socket, 'show-options', '-w', '-t', '=pool:0', 'remain-on-exit')).toContain('on');
  });
});
