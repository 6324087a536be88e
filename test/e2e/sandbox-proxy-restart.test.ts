import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { countingServer } from '../helpers/counting-server.js';
import { git } from '../helpers/git-repo.js';
import { describeWith } from '../helpers/requires.js';
import { spawnWorker } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/*
 * docs/SPEC.md section 15.4: the filtering proxy lives in the worker; a run outlives a killed
 * worker, and the worker started again (which takes the run up) brings its way out back on the
 * same socket at once, before the run needs it.
 */

/** A command agent that waits for `go` in its worktree, then asks the proxy for the allowed server and commits what it got. */
function patientAgent(dir: string, port: number): string {
  const script = join(dir, 'patient-agent.cjs');
  writeFileSync(
    script,
    `const fs = require('fs'), net = require('net'), { execFileSync } = require('child_process');
fs.writeFileSync('waiting', '');
const done = (what) => {
  fs.writeFileSync('reached.txt', what + '\\n');
  execFileSync('git', ['add', 'reached.txt']);
  execFileSync('git', ['-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-qm', 'reached: ' + what]);
  process.exit(0);
};
const poll = setInterval(() => {
  if (!fs.existsSync('go')) return;
  clearInterval(poll);
  const proxy = new URL(process.env.HTTPS_PROXY);
  const s = net.connect(Number(proxy.port), proxy.hostname, () => s.write('CONNECT 127.0.0.1:${port} HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
  s.once('data', (data) => done(String(data).split('\\r\\n')[0]));
  s.once('error', (error) => done(error.code || error.message));
}, 50);`,
  );
  return script;
}

/** Whether something listens on the unix socket (a killed worker's socket file is left behind, refusing). */
const listening = (socket: string) =>
  new Promise<boolean>((resolve) => {
    const client = connect(socket, () => {
      client.destroy();
      resolve(true);
    });
    client.on('error', () => resolve(false));
  });

describeWith(['bwrap', 'git'], 'the filtering proxy across a worker restart', () => {
  it('a run that outlives its killed worker reaches its allowed host through the proxy of the worker started again', async () => {
    const allowed = await countingServer();
    const scripts = makeTempDir('hw-patient-');
    const script = patientAgent(scripts, allowed.port);
    const overrides = { SANDBOX: 'on', SANDBOX_ALLOW_HOSTS: `127.0.0.1:${allowed.port}`, SANDBOX_RO_PATHS: scripts, TASK_TIMEOUT: '120' };
    const bench = await makeWorkerBench('embedded', overrides);
    const env = { ...bench.env, WORKER_AGENT_CMD: `node ${script}` };
    await bench.backend.add({ subissue: '9', parent: '1', priority: 1 });
    const worktree = join(bench.repo, '.worktrees', 'subissue-9');

    const first = spawnWorker({ repo: bench.repo, env }, 1);
    await waitFor(() => existsSync(join(worktree, 'waiting')), { what: 'the agent running', timeoutMs: 60_000 });
    const [socket] = readdirSync(join(bench.home, 'sandbox'))
      .filter((name) => name.startsWith('net-w1-'))
      .map((name) => join(bench.home, 'sandbox', name, 'proxy.sock'));
    expect(socket).toBeDefined();
    first.kill('SIGKILL');
    await first;
    expect(await listening(socket!)).toBe(false);

    const second = spawnWorker({ repo: bench.repo, env }, 1);
    await waitFor(() => listening(socket!), { what: 'the proxy back on its socket', timeoutMs: 60_000 });
    writeFileSync(join(worktree, 'go'), '');
    const task = await waitFor(
      async () => (await bench.backend.list()).find((entry) => ['done', 'failed', 'review'].includes(entry.status)),
      {
        what: 'the task finished',
        timeoutMs: 90_000,
      },
    ).catch(async (error: unknown) => {
      second.kill('SIGTERM');
      throw new Error(`${String(error)}\n${(await second).all ?? ''}`);
    });
    second.kill('SIGTERM');
    const output = (await second).all ?? '';
    expect(task.status, output).toBe('done');
    expect(git(bench.repo, 'log', '-1', '--format=%s', 'subissue/1-9')).toBe('reached: HTTP/1.1 200 Connection Established');
    const runs = join(bench.home, 'runs', 'worker-1');
    const logs = readdirSync(runs)
      .map((name) => `${name}:\n${readFileSync(join(runs, name), 'utf8')}`)
      .join('\n');
    expect(allowed.connections(), `${output}\n${logs}`).toBe(1);
  }, 200_000);
});
