import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { heldOnceThenCommit } from '../helpers/messages-api/script.js';
import { processesMentioning } from '../helpers/process-scan.js';
import { runnerCommandLines } from '../helpers/queue-probes.js';
import { describeEachBackend } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});

const transcripts = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.jsonl'))
        .map((name) => join(dir, name))
    : [];

const killAll = (pids: readonly number[]) => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};

describeEachBackend(['claude', 'git', 'tmux'], 'a Claude Code pool on the %s backend after a simulated reboot', (backend) => {
  it('worker-manager ensure brings it back and the in-flight task resumes its session (--resume) and completes once', async () => {
    const script = heldOnceThenCommit('work for #71');
    const bench = await makeClaudeWorkerBench(script, { backend });
    const socket = makeTmuxSocket();
    const env: Record<string, string> = {
      ...bench.env,
      WORKERS_TMUX_SOCKET: socket,
      WORKERS_SESSION: 'hw-workers',
      MONITOR_SESSION: 'hw-monitor',
    };
    const run = (bin: string, ...args: string[]) => runBin(bin, args, { home: bench.paths.root, cwd: bench.repo, env, timeout: 180_000 });
    const pool = () => [...new Set([...processesMentioning(bench.paths.root), ...processesMentioning(socket)])];
    try {
      const setup = await run('setup-hybrid-enhanced', '1');
      expect(setup.exitCode, setup.stderr).toBe(0);
      const task = await bench.backend.add({ subissue: '71', parent: '70', priority: 1 });
      await waitFor(() => bench.api.messageRequests().some((request) => request.status === 0), {
        timeoutMs: 90_000,
        what: 'the CLI to send its request',
      });
      const projects = join(bench.home, 'claude-config', 'worker-1', 'projects');
      await waitFor(() => transcripts(projects).some((file) => readFileSync(file, 'utf8').includes('"type":"user"')), {
        timeoutMs: 30_000,
        what: 'the session transcript',
      });

      // The reboot: runs, worker, manager, both tmux servers and pueued die at once.
      const daemon = env.PUEUE_CONFIG_PATH ? [Number(readFileSync(join(dirname(env.PUEUE_CONFIG_PATH), 'pueue.pid'), 'utf8').trim())] : [];
      await waitFor(
        () => {
          killAll([...pool(), ...daemon]);
          return pool().length === 0;
        },
        { timeoutMs: 20_000, what: 'every process of the pool killed' },
      );

      const ensure = await run('worker-manager', 'ensure');
      expect(ensure.exitCode, ensure.stderr).toBe(0);
      await waitFor(async () => (await bench.backend.get(task.id))?.status === 'done', {
        timeoutMs: 180_000,
        intervalMs: 250,
        what: 'the task to be done',
      });

      const records = bench.history();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ task_id: '71', result: 'success', resumed: true });
      expect(
        runnerCommandLines(join(bench.paths.queueDir, 'runs')).some((line) => line.includes(`--resume ${records[0]!.session_id}`)),
      ).toBe(true);
    } finally {
      await run('worker-manager', 'shutdown', '--now');
      await killTmuxServer(socket);
    }
    await waitFor(() => pool().length === 0, { timeoutMs: 20_000, what: 'no process of the pool left' });
  }, 400_000);
});
