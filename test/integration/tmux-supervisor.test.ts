import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { findWorkerPane, listWorkerPanes } from '../../src/adapters/tmux.js';
import { dataPaths } from '../../src/core/paths.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import { runMonitorLoop } from '../../src/manager/monitor-loop.js';
import { openPool, type ManagerContext } from '../../src/manager/pool.js';
import { leanNodeFlags } from '../../src/manager/worker-command.js';
import { requestScale, scaleSettled, settle } from '../../src/manager/pool-requests.js';
import { buildStatus } from '../../src/manager/status.js';
import { workerPidOf } from '../../src/manager/worker-actions.js';
import { describeWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { makeTmuxSocket, tmuxOn } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

// A trivial pane command stands in for the worker here: these tests are about the supervisor's
// tmux mechanics; the must-show behaviours run the real worker in test/e2e/worker-manager-*.
const STAND_IN = `if (process.env.HW_MODE === 'crash') process.exit(1); setInterval(() => {}, 1000);`;

function managerContext(overrides: Partial<Settings>, mode = 'idle'): ManagerContext {
  const root = makeTempDir('hw-manager-');
  const script = join(root, 'stand-in.mjs');
  writeFileSync(script, STAND_IN);
  return {
    paths: dataPaths(root),
    settings: { ...DEFAULT_SETTINGS, WORKERS_TMUX_SOCKET: makeTmuxSocket(), WORKERS_SESSION: 'pool', ...overrides },
    now: () => new Date(),
    launch: {
      nodePath: process.execPath,
      nodeFlags: leanNodeFlags(process.versions.v8),
      workerBin: script,
      cwd: root,
      env: { HW_MODE: mode },
    },
  };
}

function startLoop(context: ManagerContext) {
  const controller = new AbortController();
  const done = runMonitorLoop(context, openPool(context), { signal: controller.signal });
  return { stop: () => (controller.abort(), done) };
}

const logOf = (context: ManagerContext) => readFileSync(context.paths.managerLog, 'utf8');

describeWith(['tmux'], 'supervisor on a real tmux server (stand-in pane command)', () => {
  it('scales up into tagged panes and restarts a SIGKILLed process in its own pane from the pane-died hook', async () => {
    const context = managerContext({ CHECK_INTERVAL: 3_600_000 });
    const pool = openPool(context);
    await requestScale(pool, 2, false);
    await settle(pool, scaleSettled);
    const before = await listWorkerPanes(pool.tmux, 'pool');
    expect([...before.keys()].sort()).toEqual([1, 2]);
    const loop = startLoop(context);
    try {
      await waitFor(() => logOf(context).includes('Manager started'), { what: 'the loop to start' });
      // The stand-in runs under the pane's sh wrapper, as a worker does.
      process.kill(workerPidOf(before.get(2)!.pid!), 'SIGKILL');
      const after = await waitFor(
        async () => {
          const pane = await findWorkerPane(pool.tmux, 'pool', 2);
          return pane && !pane.dead && pane.pid !== before.get(2)!.pid ? pane : undefined;
        },
        { timeoutMs: 20_000, what: 'worker 2 to be respawned' },
      );
      expect(after.paneId).toBe(before.get(2)!.paneId);
      await waitFor(async () => (await pool.health.read()).workers['2']?.restarts === 1, { what: 'the restart to be counted' });
      expect((await pool.state.read()).workers['2']!.restarts).toBe(1);
      // Usually "killed by signal 9" from the hook; when tmux skips the hook (tmux/tmux#2483) the
      // liveness poll finds the unreaped pane process first, without a status.
      expect(logOf(context)).toMatch(/Worker 2: its process (was killed by signal 9|exited|is gone from the pane)/);
    } finally {
      await loop.stop();
    }
  });

  it('reports a killed pane missing, then recreates it with the same worker id', async () => {
    const context = managerContext({ CHECK_INTERVAL: 300 });
    const pool = openPool(context);
    await requestScale(pool, 3, false);
    await settle(pool, scaleSettled);
    const victim = (await findWorkerPane(pool.tmux, 'pool', 2))!;
    tmuxOn(context.settings.WORKERS_TMUX_SOCKET, 'kill-pane', '-t', victim.paneId);
    const status = await buildStatus(context, pool);
    expect(status.workers.find((row) => row.id === 2)!.health).toBe('missing');
    const loop = startLoop(context);
    try {
      const recreated = await waitFor(async () => findWorkerPane(pool.tmux, 'pool', 2), { timeoutMs: 20_000, what: 'worker 2 recreated' });
      expect(recreated.paneId).not.toBe(victim.paneId);
      expect(logOf(context)).toMatch(/Worker 2: its pane is missing/);
    } finally {
      await loop.stop();
    }
  });

  it('rebuilds a session whose tmux server was killed: every worker at once (no backoff), one ALERT however many tries', async () => {
    // A restart delay far beyond the test: only the rebuild, not the backoff path, can bring them back.
    const base = managerContext({ CHECK_INTERVAL: 3_600_000, RESTART_DELAY: 3_600_000, RESTART_MIN_UPTIME: 3_600_000 });
    // While `broken`, starting a worker fails (a relative path is refused), so the rebuild is retried.
    let broken = false;
    const script = base.launch.workerBin;
    const context: ManagerContext = {
      ...base,
      launch: Object.defineProperty({ ...base.launch }, 'workerBin', { get: () => (broken ? 'stand-in.mjs' : script) }),
    };
    const pool = openPool(context);
    await requestScale(pool, 3, false);
    await settle(pool, scaleSettled);
    const before = await listWorkerPanes(pool.tmux, 'pool');
    const loop = startLoop(context);
    try {
      await waitFor(() => logOf(context).includes('Manager started'), { what: 'the loop to start' });
      broken = true;
      tmuxOn(context.settings.WORKERS_TMUX_SOCKET, 'kill-server');
      await waitFor(() => (logOf(context).match(/Check failed: Refusing to start a worker/g) ?? []).length >= 3, {
        timeoutMs: 30_000,
        what: 'three failed rebuilds',
      });
      broken = false;
      const after = await waitFor(
        async () => {
          const panes = await listWorkerPanes(pool.tmux, 'pool');
          return [...panes.values()].filter((pane) => !pane.dead && pane.pid !== before.get(pane.workerId!)?.pid).length === 3
            ? panes
            : undefined;
        },
        { timeoutMs: 20_000, what: 'the three workers running again' },
      );
      expect([...after.keys()].sort()).toEqual([1, 2, 3]);
      const alerts = readFileSync(context.paths.alertsLog, 'utf8');
      expect(
        alerts.match(/The tmux session pool is gone \(its tmux server died or it was killed\); rebuilding it with workers 1, 2, 3\./g),
      ).toHaveLength(1);
      expect(Object.values((await pool.state.read()).workers).map((entry) => [entry.restarts, entry.next_restart_at])).toEqual([
        [1, null],
        [1, null],
        [1, null],
      ]);
    } finally {
      await loop.stop();
    }
  });

  it('backs off a crash loop, gives up with an ALERT, and keeps the count across a manager restart', async () => {
    const context = managerContext(
      { CHECK_INTERVAL: 200, RESTART_DELAY: 200, MAX_RESTART_ATTEMPTS: 3, RESTART_MIN_UPTIME: 30_000 },
      'crash',
    );
    const pool = openPool(context);
    await requestScale(pool, 1, false);
    await settle(pool, scaleSettled);
    const first = startLoop(context);
    await waitFor(async () => (await pool.state.read()).workers['1']!.restarts >= 1, { timeoutMs: 20_000, what: 'a first restart' });
    await first.stop();
    const kept = (await pool.state.read()).workers['1']!;
    expect(kept.consecutive_unstable).toBeGreaterThanOrEqual(1);
    const second = startLoop(context);
    try {
      await waitFor(async () => (await pool.state.read()).workers['1']!.gave_up, { timeoutMs: 30_000, what: 'give-up' });
    } finally {
      await second.stop();
    }
    const entry = (await pool.state.read()).workers['1']!;
    expect(entry.restarts).toBe(3);
    expect(logOf(context)).toMatch(/\[ALERT\] Worker 1 gave up/);
    expect(readFileSync(context.paths.alertsLog, 'utf8')).toMatch(/Worker 1 gave up/);
    const delays = [...logOf(context).matchAll(/will be restarted in (\d+) ms/g)].map((match) => Number(match[1]));
    expect(delays).toEqual([200, 400]);
    expect((await buildStatus(context, pool)).workers[0]!.health).toBe('gave-up');
  });

  it.each([
    ['before it started the pane', true],
    ['after it started the pane', false],
  ])('counts a restart once when the manager that counted it was killed %s', async (_when, killBeforeStart) => {
    const context = managerContext({ CHECK_INTERVAL: 200, RESTART_DELAY: 0, RESTART_MIN_UPTIME: 0 });
    const pool = openPool(context);
    await requestScale(pool, 2, false);
    await settle(pool, scaleSettled);
    const victim = (await findWorkerPane(pool.tmux, 'pool', 2))!;
    if (killBeforeStart) {
      process.kill(workerPidOf(victim.pid!), 'SIGKILL');
      await waitFor(async () => (await findWorkerPane(pool.tmux, 'pool', 2))?.dead, { what: 'worker 2 dead' });
    }
    // What a manager leaves when SIGKILLed between counting the restart and noting its start.
    await pool.state.update((draft) =>
      Object.assign(draft.workers['2']!, { restarts: 1, restarts_unrecorded: 1, restart_started_at: new Date().toISOString() }),
    );
    const loop = startLoop(context);
    try {
      await waitFor(async () => (await pool.health.read()).workers['2']?.restarts === 1, { what: 'the restart counted in metrics.json' });
      await waitFor(async () => (await pool.state.read()).workers['2']!.restart_started_at === null, {
        what: 'the restart noted as started',
      });
      const pane = (await findWorkerPane(pool.tmux, 'pool', 2))!;
      expect(pane.dead).toBe(false);
      if (killBeforeStart) expect(pane.pid).not.toBe(victim.pid);
      else expect(pane.pid).toBe(victim.pid);
    } finally {
      await loop.stop();
    }
    expect((await pool.state.read()).workers['2']!.restarts).toBe(1);
    expect((await pool.health.read()).workers['2']!.restarts).toBe(1);
  });
});
