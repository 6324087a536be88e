import { appendFileSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, expect, it } from 'vitest';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { claudeCliEnv } from '../helpers/messages-api/claude-cli-env.js';
import { startMessagesApi, type MessagesApi } from '../helpers/messages-api/server.js';
import { byToolResults, text, toolUse } from '../helpers/messages-api/script.js';
import { describeWith } from '../helpers/requires.js';
import { binPath, runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { listWorkerPanes } from '../../src/adapters/tmux.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * The /project:* slash commands installed by setup-hybrid-enhanced --install-commands, run by the
 * real claude CLI against the scripted Messages API and the real gh against the scripted GitHub.
 */

/** PATH with our binaries first, as a user who installed the package has them. */
function binDir(): string {
  const bin = makeTempDir('hw-project-bin-');
  for (const name of ['worker-queue', 'worker-manager', 'setup-hybrid-enhanced']) symlinkSync(binPath(name), join(bin, name));
  return bin;
}

const apis: MessagesApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
});

describeWith(['claude', 'gh', 'git', 'tmux'], 'the /project:* commands', () => {
  it('installs them (a changed file kept unless --force), and /project:add 100 queues the sub-issues through the real claude', async () => {
    const github = await makeGithubBench({
      issues: [
        { number: 100, title: 'Parent' },
        { number: 101, title: 'One', parent: 100 },
        { number: 102, title: 'Two', parent: 100 },
      ],
    });
    const data = makeTempDir('hw-project-data-');
    const installed = await runBin('setup-hybrid-enhanced', ['--install-commands', '--repo', github.repo, '--json'], { home: data });
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect((JSON.parse(installed.stdout) as { commands: { action: string }[] }).commands.map((command) => command.action)).toEqual([
      'installed',
      'installed',
      'installed',
    ]);

    const api = await startMessagesApi(
      byToolResults([toolUse('Bash', { command: 'worker-queue add-issues 100', description: 'Queue the issues' }), text('Queued.')]),
    );
    apis.push(api);
    const env = {
      ...github.env,
      ...claudeCliEnv(api),
      PATH: `${binDir()}:${process.env.PATH ?? ''}`,
      CLAUDE_WORKERS_HOME: data,
      WORKER_BACKEND: 'embedded',
    };
    const run = await execa('claude', ['-p', '/project:add 100', '--output-format', 'json'], {
      cwd: github.repo,
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
    });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);

    const first = JSON.stringify(api.messageRequests()[0]!.body);
    expect(first).toContain('Queue more GitHub issues for the hybrid-workers pool. The arguments are: 100');
    const result = JSON.stringify(api.messageRequests().at(-1)!.body);
    expect(result).toMatch(/Queued #101 \\"One\\" \(parent #100, priority 5\) as task \d+/);
    const list = JSON.parse(
      (await runBin('worker-queue', ['list', '--all', '--json'], { home: data, env: { WORKER_BACKEND: 'embedded' } })).stdout,
    ) as { tasks: { subissue: string }[] };
    expect(list.tasks.map((task) => task.subissue)).toEqual(['101', '102']);

    const addFile = join(github.repo, '.claude', 'commands', 'project', 'add.md');
    appendFileSync(addFile, 'my own line\n');
    const again = await runBin('setup-hybrid-enhanced', ['--install-commands', '--repo', github.repo], { home: data });
    expect(again.stdout).toContain(`${addFile}: changed locally, kept (use --force to replace it)`);
    expect(readFileSync(addFile, 'utf8')).toContain('my own line');
    await runBin('setup-hybrid-enhanced', ['--install-commands', '--force', '--repo', github.repo], { home: data });
    expect(readFileSync(addFile, 'utf8')).not.toContain('my own line');
  }, 180_000);

  it('/project:work 123 2 run by the real claude queues the sub-issues and starts 2 workers', async () => {
    const bench = await makeWorkerBench('embedded', { HEARTBEAT_INTERVAL: '0.5' });
    const github = await makeGithubBench(
      {
        issues: [
          { number: 123, title: 'Parent' },
          { number: 124, title: 'One', parent: 123 },
          { number: 125, title: 'Two', parent: 123 },
        ],
      },
      bench.repo,
    );
    expect((await runBin('setup-hybrid-enhanced', ['--install-commands'], { home: bench.home, cwd: bench.repo })).exitCode).toBe(0);
    const api = await startMessagesApi(
      byToolResults([
        toolUse('Bash', { command: 'worker-queue add-issues 123', description: 'Queue' }),
        toolUse('Bash', { command: 'worker-manager status', description: 'Pool state' }),
        toolUse('Bash', { command: 'setup-hybrid-enhanced 2 --reuse', description: 'Start the pool' }),
        toolUse('Bash', { command: 'worker-queue status', description: 'Progress' }),
        text('Started.'),
      ]),
    );
    apis.push(api);
    const socket = makeTmuxSocket();
    const env = {
      ...github.env,
      ...bench.env,
      ...claudeCliEnv(api),
      PATH: `${binDir()}:${process.env.PATH ?? ''}`,
      WORKERS_TMUX_SOCKET: socket,
      WORKERS_SESSION: 'hw-workers',
      MONITOR_SESSION: 'hw-monitor',
    };
    try {
      const run = await execa('claude', ['-p', '/project:work 123 2', '--output-format', 'json'], {
        cwd: bench.repo,
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 170_000,
      });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(JSON.stringify(api.messageRequests()[0]!.body)).toContain('The arguments are: 123 2');
      const results = JSON.stringify(api.messageRequests().at(-1)!.body);
      expect(results).not.toContain('requires approval');
      expect([...(await listWorkerPanes({ socket }, 'hw-workers')).keys()].sort()).toEqual([1, 2]);
      await waitFor(
        async () => {
          const tasks = await bench.backend.list();
          return tasks.length === 2 && tasks.every((task) => task.status === 'done');
        },
        { what: 'both sub-issues done', timeoutMs: 120_000 },
      );
      expect(
        github.api
          .pulls()
          .map((pull) => pull.head)
          .sort(),
      ).toEqual(['subissue/123-124', 'subissue/123-125']);
    } finally {
      await killTmuxServer(socket);
    }
  }, 360_000);
});
