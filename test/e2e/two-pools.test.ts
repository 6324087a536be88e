import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { runningWorkerRepositories } from '../../src/health/worker-pid-file.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';
import { dataPaths } from '../../src/core/paths.js';

/*
 * docs/HOSTS.md, two repositories: a data root runs one pool. A second setup in another
 * repository on the same data root is refused before it starts anything (it would reuse or kill
 * the first pool); with a data root and tmux server of its own, the second pool runs beside the
 * first, each working only its own repository's tasks. Real tmux on private sockets, real git.
 */
describeWith(['git', 'tmux'], 'two pools for two repositories', () => {
  it(
    'refuses a second pool on one data root in one sentence naming the fix; with their own data roots both pools work, each only its own tasks',
    { timeout: 180_000 },
    async () => {
      const bench = await makeWorkerBench('embedded', { HEARTBEAT_INTERVAL: '0.5' });
      const repoA = bench.repo;
      const repoB = makeGitRepo();
      const socketA = makeTmuxSocket();
      const socketB = makeTmuxSocket();
      const names = { WORKERS_SESSION: 'hw-workers', MONITOR_SESSION: 'hw-monitor' };
      const envA = { ...bench.env, ...names, WORKERS_TMUX_SOCKET: socketA };
      const homeB = makeTempDir('hw-second-root-');
      const envB = { ...bench.env, ...names, CLAUDE_WORKERS_HOME: homeB, WORKERS_TMUX_SOCKET: socketB };
      const run = (bin: string, args: string[], cwd: string, env: Record<string, string>) =>
        runBin(bin, args, { home: env.CLAUDE_WORKERS_HOME!, cwd, env, timeout: 120_000 });
      try {
        const first = await run('setup-hybrid-enhanced', ['1'], repoA, envA);
        expect(first.exitCode, first.stderr).toBe(0);
        await waitFor(async () => (await runningWorkerRepositories(bench.paths, 30_000)).has(repoA), {
          timeoutMs: 30_000,
          what: 'worker 1 to say it works repository A',
        });
        const panes = await listWorkerPanes({ socket: socketA }, 'hw-workers');

        const refused = await run('setup-hybrid-enhanced', ['1'], repoB, envA);
        expect(refused.exitCode).not.toBe(0);
        expect(refused.stderr).toBe(
          `setup-hybrid-enhanced: The data root ${bench.home} already runs a pool for ${repoA}; a pool for ${repoB} needs a data root and tmux server of its own: run setup-hybrid-enhanced here with CLAUDE_WORKERS_HOME set to another directory and WORKERS_TMUX_SOCKET to another name (docs/HOSTS.md, two repositories).`,
        );
        const after = await listWorkerPanes({ socket: socketA }, 'hw-workers');
        expect([...after.values()].map((pane) => pane.pid)).toEqual([...panes.values()].map((pane) => pane.pid));

        const second = await run('setup-hybrid-enhanced', ['1'], repoB, envB);
        expect(second.exitCode, second.stderr).toBe(0);
        expect((await run('worker-queue', ['add', '1', '70', '71'], repoA, envA)).exitCode).toBe(0);
        expect((await run('worker-queue', ['add', '1', '70', '72'], repoB, envB)).exitCode).toBe(0);
        const tasksOf = async (cwd: string, env: Record<string, string>) =>
          (
            JSON.parse((await run('worker-queue', ['list', '--json'], cwd, env)).stdout) as {
              tasks: { subissue: string; status: string; repo: string }[];
            }
          ).tasks;
        await waitFor(async () => (await tasksOf(repoA, envA)).every((task) => task.status === 'done'), {
          timeoutMs: 60_000,
          what: 'A done',
        });
        await waitFor(async () => (await tasksOf(repoB, envB)).every((task) => task.status === 'done'), {
          timeoutMs: 60_000,
          what: 'B done',
        });
        expect(await tasksOf(repoA, envA)).toMatchObject([{ subissue: '71', repo: repoA }]);
        expect(await tasksOf(repoB, envB)).toMatchObject([{ subissue: '72', repo: repoB }]);
        // Each agent ran in its own repository's worktree.
        expect(bench.commits().sort()).toEqual(['71', '72']);
        const heads = readFileSync(join(bench.agentDir, 'heads.log'), 'utf8').trim().split('\n').sort();
        expect(heads).toEqual([
          `71 ${join(repoA, '.worktrees', 'subissue-71')} subissue/70-71`,
          `72 ${join(repoB, '.worktrees', 'subissue-72')} subissue/70-72`,
        ]);
        expect(await runningWorkerRepositories(dataPaths(homeB), 30_000)).toEqual(new Set([repoB]));
      } finally {
        await killTmuxServer(socketA);
        await killTmuxServer(socketB);
      }
    },
  );
});
