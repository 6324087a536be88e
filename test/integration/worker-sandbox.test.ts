import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { probeSandbox } from '../../src/adapters/bubblewrap/probe.js';
import { commandAgent } from '../../src/agent/command-agent.js';
import { resolveSettings } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { chooseSandbox } from '../../src/worker/sandbox.js';
import { countingServer } from '../helpers/counting-server.js';
import { git } from '../helpers/git-repo.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, startTestWorker, stopWorkers, type RunningWorker } from '../helpers/worker-harness.js';

const HOSTILE_AGENT = fileURLToPath(new URL('../fixtures/hostile-agent.mjs', import.meta.url));
const probe = await probeSandbox(process.env, process.platform);
if (!probe.available) console.warn(`worker-sandbox tests skipped: ${probe.why} (${probe.fix})`);

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

/** A home with an ssh key and a gh login, as a user's would have. */
function plantHome(): { home: string; sshKey: string; ghHosts: string } {
  const home = makeTempDir('hw-home-');
  mkdirSync(join(home, '.ssh'));
  mkdirSync(join(home, '.config', 'gh'), { recursive: true });
  const sshKey = join(home, '.ssh', 'id_ed25519');
  const ghHosts = join(home, '.config', 'gh', 'hosts.yml');
  writeFileSync(sshKey, '-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n');
  writeFileSync(ghHosts, 'github.com:\n  oauth_token: gho_planted\n');
  return { home, sshKey, ghHosts };
}

describe.skipIf(!probe.available)('a hostile command agent inside the sandbox (SANDBOX=on)', () => {
  it('fails every escape (secrets, other files, other refs, hooks, config, push, local server, the worker) while its own commit lands on its branch', async () => {
    const server = await countingServer();
    // Allowed through the filtering proxy; `server` is not, directly or through it.
    const allowed = await countingServer();
    const sandboxSettings = { SANDBOX: 'on', SANDBOX_ALLOW_HOSTS: `127.0.0.1:${allowed.port}` };
    const bench = await makeWorkerBench('embedded', sandboxSettings);
    const { home, sshKey, ghHosts } = plantHome();
    const remote = makeTempDir('hw-remote-');
    git(remote, 'init', '-q', '--bare');
    git(bench.repo, 'remote', 'add', 'origin', remote);
    git(bench.repo, 'branch', 'subissue/1-300');
    const other = join(bench.repo, '.worktrees', 'subissue-300');
    git(bench.repo, 'worktree', 'add', '-q', other, 'subissue/1-300');
    const outsideDir = makeTempDir('hw-outside-');
    const targets = join(makeTempDir('hw-targets-'), 'targets.json');
    const secrets = { GH_TOKEN: 'ghs_planted', ANTHROPIC_API_KEY: 'sk-ant-planted', HOME: home };
    writeFileSync(
      targets,
      JSON.stringify({
        sshKey,
        ghHosts,
        outside: join(outsideDir, 'escaped.txt'),
        otherWorktree: other,
        workerPid: process.pid,
        port: server.port,
        allowedPort: allowed.port,
      }),
    );
    const env = { ...process.env, ...secrets };
    const settings = resolveSettings({}, { ...bench.env, ...sandboxSettings });
    const { backend } = await openQueueBackend({ paths: bench.paths, settings, env });
    const sandbox = await chooseSandbox(settings, env, bench.repo, process.platform, process.getuid?.() ?? -1);
    expect(sandbox.line).toMatch(/^sandbox: in use/);
    const refsBefore = git(bench.repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/main', 'refs/heads/subissue/1-300');
    const configBefore = readFileSync(join(bench.repo, '.git', 'config'), 'utf8');

    await backend.add({ subissue: '200', parent: '1', priority: 1 });
    running.push(
      startTestWorker({
        workerId: 1,
        repo: bench.repo,
        backend,
        agent: commandAgent(`"${process.execPath}" "${HOSTILE_AGENT}" "${targets}"`),
        paths: bench.paths,
        settings,
        health: bench.health,
        killGraceMs: 500,
        ...(sandbox.host ? { sandbox: sandbox.host } : {}),
      }),
    );
    const task = await waitFor(async () => (await backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)), {
      what: 'the task finished',
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const runs = join(bench.home, 'runs', 'worker-1');
    const outputFile = readdirSync(runs).find((name) => name.startsWith(`task-${task.id}-`) && name.endsWith('-attempt-1.log'));
    const output = readFileSync(join(runs, outputFile ?? `task-${task.id}-attempt-1.log`), 'utf8');
    const tries = Object.fromEntries([...output.matchAll(/^TRY (\S+) (\S+)/gm)].map((match) => [match[1], match[2]]));

    expect(output).toContain('COMMITTED');
    // What it reads, sees or reaches it learns inside; a write or a ref move may land in the
    // sandbox's own throwaway copy (a new ref in its private ref directory), so the host decides.
    expect(tries).toMatchObject(
      Object.fromEntries(
        [
          'read-ssh-key',
          'read-gh-hosts',
          'see-secrets',
          'git-push',
          'signal-worker',
          'reach-local-server',
          'proxy-connect-refused',
          'proxy-http-refused',
        ].map((name) => [name, 'blocked']),
      ),
    );
    expect(tries['proxy-connect-allowed']).toBe('reached');
    expect(Object.keys(tries)).toHaveLength(15);
    expect(allowed.connections()).toBe(1);
    // Each refusal is a line in the worker's log.
    const refusals = readFileSync(join(bench.paths.errorsDir, 'worker-1.log'), 'utf8').match(/sandbox proxy: refused 127\.0\.0\.1:\d+/g);
    expect(refusals).toEqual([`sandbox proxy: refused 127.0.0.1:${server.port}`, `sandbox proxy: refused 127.0.0.1:${server.port}`]);
    // What the agent cannot judge from inside, checked on the host.
    expect(existsSync(join(outsideDir, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(other, 'pwned.txt'))).toBe(false);
    expect(existsSync(join(bench.repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(readFileSync(join(bench.repo, '.git', 'config'), 'utf8')).toBe(configBefore);
    expect(git(bench.repo, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads/main', 'refs/heads/subissue/1-300')).toBe(
      refsBefore,
    );
    expect(git(remote, 'for-each-ref')).toBe('');
    expect(server.connections()).toBe(0);
    // Its own work is on its branch, as without the sandbox.
    expect(git(bench.repo, 'log', '--format=%s', '-1', 'subissue/1-200')).toBe('agent: sub-issue 200');
    expect(git(bench.repo, 'show', 'subissue/1-200:task-200.txt')).toBe('work for sub-issue 200');
    expect(task.status).toBe('done');
  }, 90_000);
});
