import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { killTmuxServer, makeTmuxSocket } from '../helpers/tmux-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';
import { FIXTURES } from '../unit/performance-fixture.js';

/** Every key of a JSON document whose name has a capital letter, with its path. */
function camelCaseKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => camelCaseKeys(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(/[A-Z]/.test(key) ? [`${path}.${key}`] : []),
    ...camelCaseKeys(inner, `${path}.${key}`),
  ]);
}

describeWith(['git', 'tmux'], 'every --json output of the six binaries is snake_case', () => {
  it('walks each document (a running pool, a finished task, a performance history) and finds no camelCase key', async () => {
    const bench = await makeWorkerBench('embedded', { HEARTBEAT_INTERVAL: '0.5' });
    cpSync(join(FIXTURES, 'basic'), bench.home, { recursive: true });
    const socket = makeTmuxSocket();
    const env = { ...bench.env, WORKERS_TMUX_SOCKET: socket, WORKERS_SESSION: 'hw-workers', MONITOR_SESSION: 'hw-monitor' };
    const run = (name: string, args: string[]) => runBin(name, args, { home: bench.home, cwd: bench.repo, env, timeout: 120_000 });
    const documents: Record<string, unknown> = {};
    const collect = async (name: string, args: string[]) => {
      const result = await run(name, args);
      expect(result.exitCode, `${name} ${args.join(' ')}: ${result.stderr}`).toBe(0);
      documents[`${name} ${args.join(' ')}`] = JSON.parse(result.stdout);
    };
    try {
      await collect('setup-hybrid-enhanced', ['2', '--json']);
      await collect('worker-queue', ['add', '1', '70', '701', '--json']);
      await waitFor(async () => (await bench.backend.list()).every((task) => task.status === 'done'), {
        timeoutMs: 60_000,
        what: 'the task to be done',
      });
      await collect('worker-queue', ['list', '--json']);
      await collect('worker-health-monitor', ['dashboard', '--json']);
      await collect('worker-health-monitor', ['report', '--json']);
      await collect('worker-manager', ['status', '--json']);
      await collect('worker-manager', ['health', '--json']);
      for (const command of ['report', 'timeline', 'analyze']) await collect('worker-performance', [command, '--json']);
      await collect('worker-performance', ['efficiency', '1', '--json']);
      await collect('worker-performance', ['export', '-', '--format', 'json']);
    } finally {
      await run('worker-manager', ['stop']);
      await killTmuxServer(socket);
    }
    expect(Object.fromEntries(Object.entries(documents).map(([command, document]) => [command, camelCaseKeys(document)]))).toEqual(
      Object.fromEntries(Object.keys(documents).map((command) => [command, []])),
    );
    const list = documents['worker-queue list --json'] as { tasks: Record<string, unknown>[] };
    expect(list.tasks[0]).toMatchObject({ subissue: '701', status: 'done', worker_id: expect.any(Number), created_at: expect.any(String) });
  });
});
