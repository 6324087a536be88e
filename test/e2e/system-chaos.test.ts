import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { taskHistoryRecordSchema } from '../../src/history/task-history.js';
import { workerPidOf } from '../../src/manager/worker-actions.js';
import { git } from '../helpers/git-repo.js';
import { processesMentioning } from '../helpers/process-scan.js';
import { describeEachBackend } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

const TASKS = 20;
const PARENT = '500';
const subissues = Array.from({ length: TASKS }, (_, index) => String(600 + index));

/**
 * The whole system under fire (issue 7): setup with 3 workers and 20 tasks; while they run a
 * worker is killed with SIGKILL, the manager is killed and started again, and (Pueue) the daemon
 * is killed. Every task must still succeed exactly once, with its commit on its branch.
 */
describeEachBackend(['git', 'tmux'], 'chaos on the %s backend', (backendName) => {
  it('loses no task and runs none twice, and leaves no process behind', async () => {
    const bench = await makeWorkerBench(backendName, {
      HEARTBEAT_INTERVAL: '0.5',
      CHECK_INTERVAL: '1',
      DEAD_WORKER_THRESHOLD: '6',
      RESTART_DELAY: '0.2',
      RESTART_MIN_UPTIME: '0',
    });
    bench.setScenario({ default: 'sleep:1200' });
    const socket = makeTmuxSocket();
    const env: Record<string, string> = {
      ...bench.env,
      WORKERS_TMUX_SOCKET: socket,
      WORKERS_SESSION: 'hw-workers',
      MONITOR_SESSION: 'hw-monitor',
    };
    const run = (bin: string, ...args: string[]) => runBin(bin, args, { home: bench.home, cwd: bench.repo, env, timeout: 120_000 });
    const baseHead = git(bench.repo, 'rev-parse', 'HEAD');
    const doneCount = async () => (await bench.backend.list()).filter((task) => task.status === 'done').length;
    try {
      const setup = await run('setup-hybrid-enhanced', '3');
      expect(setup.exitCode, setup.stderr).toBe(0);
      for (const subissue of subissues) expect((await run('worker-queue', 'add', '2', PARENT, subissue)).exitCode).toBe(0);

      await waitFor(async () => (await doneCount()) >= 2, { timeoutMs: 60_000, what: 'first tasks done' });
      const pane = (await listWorkerPanes({ socket }, 'hw-workers')).get(2)!;
      process.kill(workerPidOf(pane.pid!), 'SIGKILL');

      await waitFor(async () => (await doneCount()) >= 6, { timeoutMs: 60_000, what: 'tasks done after the worker kill' });
      const managerPid = JSON.parse(readFileSync(join(bench.home, 'manager', 'manager.pid'), 'utf8')).pid as number;
      process.kill(managerPid, 'SIGKILL');
      expect((await run('worker-manager', 'start')).exitCode).toBe(0);

      if (backendName === 'pueue') {
        await waitFor(async () => (await doneCount()) >= 10, { timeoutMs: 60_000, what: 'tasks done before the daemon kill' });
        const pidFile = join(dirname(env.PUEUE_CONFIG_PATH!), 'pueue.pid');
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
      }

      await waitFor(async () => (await doneCount()) === TASKS, { timeoutMs: 240_000, intervalMs: 500, what: 'every task done' });

      const history = readFileSync(bench.paths.historyFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => taskHistoryRecordSchema.parse(JSON.parse(line)));
      for (const subissue of subissues) {
        const successes = history.filter((record) => record.task_id === subissue && record.result === 'success');
        expect(successes, `${subissue}: ${JSON.stringify(successes)}`).toHaveLength(1);
        const log = git(bench.repo, 'log', '--format=%s', `${baseHead}..subissue/${PARENT}-${subissue}`);
        expect(log.split('\n'), subissue).toContain(`agent: sub-issue ${subissue}`);
      }
      expect(history.filter((record) => record.result !== 'success')).toEqual([]);
      expect(git(bench.repo, 'rev-parse', 'HEAD')).toBe(baseHead);
      expect(git(bench.repo, 'status', '--porcelain')).toBe('');

      // The restart is counted in metrics.json once the killed worker's stale lock is taken over.
      await waitFor(async () => (await bench.health.read()).stats.restarts >= 1, {
        timeoutMs: 30_000,
        what: `the restart counted (manager log: ${readFileSync(bench.paths.managerLog, 'utf8')})`,
      });
      const report = JSON.parse((await run('worker-performance', 'report', '--json')).stdout);
      expect(report.history.records).toBe(history.length);
      expect(report.overall.results.success).toBe(TASKS);
      expect(report.overall.tasks_processed).toBe(TASKS);
      expect(report.overall.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await run('worker-manager', 'stop');
      await killTmuxServer(socket);
      if (env.PUEUE_CONFIG_PATH && existsSync(env.PUEUE_CONFIG_PATH)) {
        spawnSync('pueue', ['-c', env.PUEUE_CONFIG_PATH, 'shutdown'], { stdio: 'ignore', timeout: 10_000 });
      }
    }
    await waitFor(() => processesMentioning(bench.home).length === 0 && processesMentioning(socket).length === 0, {
      timeoutMs: 20_000,
      what: `no process of the test left (${processesMentioning(bench.home)
        .map((pid) => execFileSync('ps', ['-o', 'cmd=', '-p', String(pid)], { encoding: 'utf8' }).trim())
        .join('; ')})`,
    });
  }, 600_000);
});
