import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { commandAgent } from '../../src/agent/command-agent.js';
import { resolveSettings } from '../../src/core/settings.js';
import { chooseSandbox } from '../../src/worker/sandbox.js';
import { countingServer } from '../helpers/counting-server.js';
import { git } from '../helpers/git-repo.js';
import { describeWith, itWith } from '../helpers/requires.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench, startTestWorker, stopWorkers, type RunningWorker } from '../helpers/worker-harness.js';

/*
 * docs/SPEC.md sections 15.2 and 15.3: WORKER_SETUP_CMD and WORKER_VERIFY_CMD run in the task's
 * sandbox, the setup with the hosts SANDBOX_SETUP_HOSTS gives it through the filtering proxy, the
 * verification without. A server on the host's 127.0.0.1 tells which of them reached it.
 */

const running: RunningWorker[] = [];
afterEach(async () => {
  await stopWorkers(running);
});

/**
 * A script that tries the host's server and writes what happened to `file` in the worktree: through
 * HTTPS_PROXY (a CONNECT) when the sandbox gives one, else directly.
 */
const reachScript = (dir: string, port: number) => {
  const script = join(dir, 'reach.cjs');
  writeFileSync(
    script,
    `const proxy = process.env.HTTPS_PROXY ? new URL(process.env.HTTPS_PROXY) : undefined;
const s = proxy ? require('net').connect(Number(proxy.port), proxy.hostname) : require('net').connect(${port}, '127.0.0.1');
const say = (what) => { require('fs').writeFileSync(process.argv[2], what + '\\n'); s.destroy(); };
s.on('connect', () => (proxy ? s.write('CONNECT 127.0.0.1:${port} HTTP/1.1\\r\\nHost: 127.0.0.1:${port}\\r\\n\\r\\n') : say('reached')));
s.on('data', (data) => say(/^HTTP\\/1\\.1 200/.test(String(data)) ? 'reached' : 'blocked'));
s.on('error', () => say('blocked'));`,
  );
  return script;
};

describeWith(['bwrap'], 'the project commands inside the sandbox', () => {
  itWith(
    ['git'],
    'setup reaches the network SANDBOX_SETUP_HOSTS opens before the agent; verification runs offline and passes',
    async () => {
      const server = await countingServer();
      const scripts = makeTempDir('hw-reach-');
      const script = reachScript(scripts, server.port);
      const overrides = {
        SANDBOX: 'on',
        // The machine's /tmp is not visible inside: the script's directory is shown read-only.
        SANDBOX_RO_PATHS: scripts,
        SANDBOX_SETUP_HOSTS: `127.0.0.1:${server.port}`,
        WORKER_SETUP_CMD: `node ${script} .setup-net`,
        WORKER_VERIFY_CMD: `node ${script} .verify-net; sleep 0.2; test -f work.txt && grep -q reached .setup-net`,
      };
      const bench = await makeWorkerBench('embedded', overrides);
      const settings = resolveSettings({}, { ...bench.env, ...overrides });
      const sandbox = await chooseSandbox(settings, process.env, bench.repo, process.platform, process.getuid?.() ?? -1);
      // The agent works only where the setup has run.
      const agent = commandAgent(`sh -c 'test -f .setup-net && echo work > work.txt && git add work.txt && git commit -qm work'`);
      await bench.backend.add({ subissue: '5', parent: '1', priority: 1 });
      running.push(
        startTestWorker({
          workerId: 1,
          repo: bench.repo,
          backend: bench.backend,
          agent,
          paths: bench.paths,
          settings,
          health: bench.health,
          killGraceMs: 500,
          ...(sandbox.host ? { sandbox: sandbox.host } : {}),
        }),
      );
      const task = await waitFor(
        async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
        {
          what: 'the task finished',
          timeoutMs: 60_000,
          intervalMs: 100,
        },
      );
      const worktree = join(bench.repo, '.worktrees', 'subissue-5');
      expect(task.lastError ?? '').toBe('');
      expect(task.status).toBe('done');
      expect(git(bench.repo, 'log', '--format=%s', '-1', 'subissue/1-5')).toBe('work');
      expect(readFileSync(join(worktree, '.setup-net'), 'utf8')).toBe('reached\n');
      expect(readFileSync(join(worktree, '.verify-net'), 'utf8')).toBe('blocked\n');
      expect(server.connections()).toBe(1);
      const record = JSON.parse(readFileSync(bench.paths.historyFile, 'utf8').trim()) as Record<string, unknown>;
      expect(record).toMatchObject({ result: 'success', verified: true, verify_rounds: 1 });
      expect(existsSync(worktree)).toBe(true);
    },
    90_000,
  );
});

it('outside GitHub mode a verification that never passes ends the task review, unverified, after VERIFY_MAX_ROUNDS agent rounds', async () => {
  const bench = await makeWorkerBench('embedded', { WORKER_VERIFY_CMD: 'echo "2 tests failed"; exit 1', VERIFY_MAX_ROUNDS: '3' });
  writeFileSync(bench.scenarioFile, JSON.stringify({ default: 'verify-fix' }));
  await bench.backend.add({ subissue: '6', parent: '1', priority: 1 });
  running.push(bench.startWorker(1));
  const task = await waitFor(
    async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
    {
      what: 'the task finished',
      timeoutMs: 60_000,
      intervalMs: 100,
    },
  );
  expect(task.status).toBe('review');
  expect(task.lastError).toMatch(/^unverified: `echo "2 tests failed"; exit 1` failed after 3 round\(s\)/);
  expect(bench.starts().filter((start) => start.task === '6')).toHaveLength(3);
  // Each fix round committed on top of the first.
  expect(git(bench.repo, 'rev-list', '--count', 'main..subissue/1-6')).toBe('3');
}, 90_000);
