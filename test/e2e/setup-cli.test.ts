import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { git } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket, tmuxOn } from '../helpers/tmux-server.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

async function makeSetupBench() {
  const bench = await makeWorkerBench('embedded', { HEARTBEAT_INTERVAL: '0.5' });
  const socket = makeTmuxSocket();
  const env = { ...bench.env, WORKERS_TMUX_SOCKET: socket, WORKERS_SESSION: 'hw-workers', MONITOR_SESSION: 'hw-monitor' };
  const setup = (...args: string[]) => runBin('setup-hybrid-enhanced', args, { home: bench.home, cwd: bench.repo, env, timeout: 120_000 });
  return { bench, socket, env, setup };
}

const managerPid = (home: string) => JSON.parse(readFileSync(join(home, 'manager', 'manager.pid'), 'utf8')).pid as number;

describeWith(['git', 'tmux'], 'setup-hybrid-enhanced', () => {
  it('brings up the pool without a terminal, and a second run changes nothing', async () => {
    const { bench, socket, setup } = await makeSetupBench();
    try {
      writeFileSync(join(bench.home, 'queue.txt'), '2|100|301|pending|0|2026-01-01\n1|100|302|completed|1|2026-01-01\n');
      const first = await setup('3');
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/✓ workers: .*Starting workers 1, 2, 3\./);
      expect(first.stdout).toMatch(/✓ import: imported 1 tasks from .*queue\.txt \(1 skipped\)/);
      const panes = await listWorkerPanes({ socket }, 'hw-workers');
      expect([...panes.keys()].sort()).toEqual([1, 2, 3]);
      await waitFor(async () => (await bench.health.read()).workers['3']?.last_heartbeat, { what: 'worker 3 heartbeat' });
      const manager = managerPid(bench.home);

      const second = await setup('3', '--json');
      expect(second.exitCode, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout);
      expect(summary.workers).toBe(3);
      expect(summary.steps.find((step: { step: string }) => step.step === 'tmux').detail).toMatch(
        /reusing the existing session hw-workers \(no terminal: pass --recreate/,
      );
      expect(summary.steps.find((step: { step: string }) => step.step === 'import').detail).toMatch(
        /imported before; not importing it twice/,
      );
      expect(summary.steps.find((step: { step: string }) => step.step === 'manager').detail).toMatch(/already running/);
      const after = await listWorkerPanes({ socket }, 'hw-workers');
      expect([...after.entries()].map(([id, pane]) => [id, pane.paneId, pane.pid])).toEqual(
        [...panes.entries()].map(([id, pane]) => [id, pane.paneId, pane.pid]),
      );
      expect(managerPid(bench.home)).toBe(manager);
      expect((await bench.backend.list()).map((task) => task.subissue)).toEqual(['301']);
    } finally {
      await killTmuxServer(socket);
    }
  });

  it('recreates an existing session with --recreate and keeps counters unless --reset-metrics', async () => {
    const { bench, socket, setup } = await makeSetupBench();
    try {
      expect((await setup('2')).exitCode).toBe(0);
      await bench.health.complete(1, true);
      await bench.health.heartbeat(7, { status: 'working', task: '99' });
      const before = await listWorkerPanes({ socket }, 'hw-workers');
      const again = await setup('2', '--recreate');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/recreated session hw-workers/);
      expect(again.stdout).toMatch(/cleared the live state of absent workers 7; counters and history kept/);
      const after = await listWorkerPanes({ socket }, 'hw-workers');
      expect([...after.keys()].sort()).toEqual([1, 2]);
      // A new worker process (pane ids restart with the workers' tmux server, now the session's alone).
      expect(after.get(1)!.pid).not.toBe(before.get(1)!.pid);
      const metrics = await bench.health.read();
      expect(metrics.workers['1']!.tasks_completed).toBe(1);
      expect(metrics.workers['7']).toMatchObject({ status: 'stopped', current_task: 'none' });
      expect((await setup('2', '--reuse', '--reset-metrics')).exitCode).toBe(0);
      expect((await bench.health.read()).stats.total_tasks).toBe(0);
    } finally {
      await killTmuxServer(socket);
    }
  });

  it('--install-commands refuses a committed link to a directory or to a user file, writing nothing through it', async () => {
    const { bench } = await makeSetupBench();
    const elsewhere = makeTempDir('hw-elsewhere-');
    mkdirSync(join(bench.repo, '.claude', 'commands'), { recursive: true });
    symlinkSync(elsewhere, join(bench.repo, '.claude', 'commands', 'project'));
    const install = (...args: string[]) =>
      runBin('setup-hybrid-enhanced', ['--install-commands', ...args], { home: bench.home, cwd: bench.repo });
    const linkedDir = await install();
    expect(linkedDir.exitCode).toBe(1);
    expect(linkedDir.stderr.trim()).toBe(
      `setup-hybrid-enhanced: ${join(bench.repo, '.claude', 'commands', 'project')} is a symbolic link (committed to the repository?); --install-commands writes only into real files and directories of the repository, so nothing was installed: remove the link.`,
    );
    expect(readdirSync(elsewhere)).toEqual([]);

    rmSync(join(bench.repo, '.claude', 'commands', 'project'));
    mkdirSync(join(bench.repo, '.claude', 'commands', 'project'));
    const userFile = join(elsewhere, 'precious.md');
    writeFileSync(userFile, 'mine\n');
    symlinkSync(userFile, join(bench.repo, '.claude', 'commands', 'project', 'work.md'));
    const linkedFile = await install('--force');
    expect(linkedFile.exitCode).toBe(1);
    expect(linkedFile.stderr).toContain(`${join(bench.repo, '.claude', 'commands', 'project', 'work.md')} is a symbolic link`);
    expect(readFileSync(userFile, 'utf8')).toBe('mine\n');
    expect(readdirSync(join(bench.repo, '.claude', 'commands', 'project'))).toEqual(['work.md']);
  });

  it('stops before starting anything when tmux is missing, with install hints', async () => {
    const { bench, socket, env } = await makeSetupBench();
    const bin = makeTempDir('hw-path-');
    for (const tool of ['git', 'sh']) {
      const found = ['/usr/bin', '/bin'].map((dir) => join(dir, tool)).find((path) => existsSync(path));
      if (found) symlinkSync(found, join(bin, tool));
    }
    symlinkSync(process.execPath, join(bin, 'node'));
    const result = await runBin('setup-hybrid-enhanced', ['2'], { home: bench.home, cwd: bench.repo, env: { ...env, PATH: bin } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/✗ dependency: tmux is missing \(apt: apt-get install tmux; brew: brew install tmux\)/);
    expect(result.stderr).toMatch(/Setup stopped before starting anything: tmux must be installed/);
    expect(() => tmuxOn(socket, 'list-sessions')).toThrow();
    expect(existsSync(join(bench.home, 'manager'))).toBe(false);
  });

  it('never runs a plain agent command: one that would commit in the checkout leaves it as it was', async () => {
    const { bench, socket, env } = await makeSetupBench();
    const agent = join(makeTempDir('hw-agent-'), 'committing-agent');
    writeFileSync(agent, '#!/bin/sh\ngit commit -q --allow-empty -m "fix #$1"\n');
    chmodSync(agent, 0o755);
    const commits = () => git(bench.repo, 'rev-list', '--count', '--all');
    const before = commits();
    try {
      const result = await runBin('setup-hybrid-enhanced', ['1'], {
        home: bench.home,
        cwd: bench.repo,
        env: { ...env, WORKER_AGENT_CMD: agent },
        timeout: 120_000,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain(`✓ dependency: ${agent}`);
      expect(commits()).toBe(before);
      // The troubleshooting path exists from the start: `tail -f` on it works before any alert.
      expect(readFileSync(bench.paths.alertsLog, 'utf8')).toBe('');
      expect(result.stdout).toContain(`alerts in ${bench.paths.alertsLog}`);
    } finally {
      await killTmuxServer(socket);
    }
    const missing = await runBin('setup-hybrid-enhanced', ['1'], {
      home: bench.home,
      cwd: bench.repo,
      env: { ...env, WORKER_AGENT_CMD: `${agent}-absent` },
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain(`✗ dependency: ${agent}-absent is missing`);
  });

  it('asks Claude Code for its version in a scratch directory with stdin closed, not in the checkout', async () => {
    const { bench, env } = await makeSetupBench();
    const bin = makeTempDir('hw-claude-bin-');
    const seen = join(bin, 'seen');
    // Records where it ran and whether stdin was closed, then fails, so setup stops there.
    writeFileSync(
      join(bin, 'claude'),
      `#!/bin/sh\npwd > ${seen}\nif read -r line; then echo open >> ${seen}; else echo closed >> ${seen}; fi\nexit 1\n`,
    );
    chmodSync(join(bin, 'claude'), 0o755);
    const result = await runBin('setup-hybrid-enhanced', ['1'], {
      home: bench.home,
      cwd: bench.repo,
      env: { ...env, WORKER_AGENT_CMD: 'claude', PATH: `${bin}:${process.env.PATH}` },
    });
    const [cwd, stdin] = readFileSync(seen, 'utf8').trim().split('\n');
    expect(cwd).not.toBe(bench.repo);
    expect(cwd).toMatch(/hw-setup-probe-/);
    expect(existsSync(cwd!)).toBe(false);
    expect(stdin).toBe('closed');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('✗ dependency: claude is missing');
  });

  it.each([['0'], ['-3'], ['abc'], ['65']])('refuses %s workers with exit 2 and starts nothing', async (count) => {
    const home = makeTempDir();
    const result = await runBin('setup-hybrid-enhanced', [count], { home, env: { WORKERS_TMUX_SOCKET: makeTmuxSocket() } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(home)).toEqual([]);
  });
});
