import { appendFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGithubBench } from '../helpers/github-api/gh-env.js';
import { startMessagesApi, type MessagesApi } from '../helpers/messages-api/server.js';
import { byToolResults, text, toolUse } from '../helpers/messages-api/script.js';
import { binPath, runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

/*
 * The /project:* slash commands installed by setup-hybrid-enhanced --install-commands, run by the
 * real claude CLI against the scripted Messages API and the real gh against the scripted GitHub.
 */

const apis: MessagesApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
});

describe('the /project:* commands', () => {
  it('installs them (a changed file kept unless --force), and /project:add 100 queues the sub-issues through the real claude', async () => {
    const github = await makeGithubBench({ issues: [{ number: 100, title: 'Parent' }, { number: 101, title: 'One', parent: 100 }, { number: 102, title: 'Two', parent: 100 }] });
    const data = makeTempDir('hw-project-data-');
    const installed = await runBin('setup-hybrid-enhanced', ['--install-commands', '--repo', github.repo, '--json'], { home: data });
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect((JSON.parse(installed.stdout) as { commands: { action: string }[] }).commands.map((command) => command.action)).toEqual(['installed', 'installed', 'installed']);

    const api = await startMessagesApi(byToolResults([toolUse('Bash', { command: 'worker-queue add-issues 100', description: 'Queue the issues' }), text('Queued.')]));
    apis.push(api);
    const bin = makeTempDir('hw-project-bin-');
    for (const name of ['worker-queue', 'worker-manager', 'setup-hybrid-enhanced']) symlinkSync(binPath(name), join(bin, name));
    const home = makeTempDir('hw-project-home-');
    mkdirSync(join(home, '.claude'), { recursive: true });
    const env = {
      ...github.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_TELEMETRY: '1',
      CLAUDE_WORKERS_HOME: data,
      WORKER_BACKEND: 'embedded',
      NO_COLOR: '1',
    };
    const run = await execa('claude', ['-p', '/project:add 100', '--output-format', 'json'], { cwd: github.repo, env, extendEnv: false, reject: false, stdin: 'ignore', timeout: 120_000 });
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);

    const first = JSON.stringify(api.messageRequests()[0]!.body);
    expect(first).toContain('Queue more GitHub issues for the hybrid-workers pool. The arguments are: 100');
    const result = JSON.stringify(api.messageRequests().at(-1)!.body);
    expect(result).toMatch(/Queued #101 \\"One\\" \(parent #100, priority 5\) as task \d+/);
    const list = JSON.parse((await runBin('worker-queue', ['list', '--json'], { home: data, env: { WORKER_BACKEND: 'embedded' } })).stdout) as { tasks: { subissue: string }[] };
    expect(list.tasks.map((task) => task.subissue)).toEqual(['101', '102']);

    const addFile = join(github.repo, '.claude', 'commands', 'project', 'add.md');
    appendFileSync(addFile, 'my own line\n');
    const again = await runBin('setup-hybrid-enhanced', ['--install-commands', '--repo', github.repo], { home: data });
    expect(again.stdout).toContain(`${addFile}: changed locally, kept (use --force to replace it)`);
    expect(readFileSync(addFile, 'utf8')).toContain('my own line');
    await runBin('setup-hybrid-enhanced', ['--install-commands', '--force', '--repo', github.repo], { home: data });
    expect(readFileSync(addFile, 'utf8')).not.toContain('my own line');
  }, 180_000);
});
