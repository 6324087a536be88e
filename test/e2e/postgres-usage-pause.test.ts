import { beforeAll, expect, it } from 'vitest';
import { openPoolPause } from '../../src/pause/open-pool-pause.js';
import { makeClaudeWorkerBench } from '../helpers/claude-worker.js';
import { requireClaude } from '../helpers/messages-api/claude-run.js';
import { byToolResults, text, toolUse, usageLimit, type Script } from '../helpers/messages-api/script.js';
import { freshDatabase, openPostgresHost } from '../helpers/postgres-host.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

beforeAll(async () => {
  await requireClaude();
});
const cluster = usePrivateCluster();

/** A worker process's combined output, line by line as it comes. */
function outputOf(child: ReturnType<typeof spawnWorker>): string[] {
  const lines: string[] = [];
  child.all?.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return lines;
}

describeWith(['postgres', 'claude', 'git'], 'the usage pause on a shared database (three hosts, real worker processes)', () => {
  it('a usage limit seen by the worker on host a pauses the workers of hosts b and c; they claim again once it is lifted', async () => {
    const url = await freshDatabase(cluster());
    let limited = false;
    const work = byToolResults([
      toolUse('Bash', { command: 'git commit -q --allow-empty -m "after the pause"', description: 'Commit' }),
      text('Done.'),
    ]);
    // The first request hits the limit, with a reset far beyond the test: only a lift ends the pause.
    const script: Script = (request) => {
      if (limited) return work(request);
      limited = true;
      return usageLimit(Math.ceil(Date.now() / 1000) + 3600);
    };
    const claude = await makeClaudeWorkerBench(script, { auth: 'oauth' });
    const shared = { WORKER_BACKEND: 'postgres', WORKERS_DATABASE_URL: url, MIN_FREE_DISK: '0' };
    const [b, c] = [await openPostgresHost(url, 'b'), await openPostgresHost(url, 'c')];
    const pause = openPoolPause({ paths: b.paths, now: () => new Date(), settings: b.settings, env: { WORKERS_DATABASE_URL: url } });

    const first = await b.backend.add({ subissue: '51', parent: '50', priority: 1 });
    const onA = outputOf(spawnWorker({ repo: claude.repo, env: { ...claude.env, ...shared, WORKER_HOST: 'a' } }, 1));
    const record = await waitFor(() => pause.current(), { timeoutMs: 90_000, intervalMs: 100, what: 'the pause in the database' }).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${onA.join('\n')}`);
      },
    );
    expect(record).toMatchObject({ limitType: 'five_hour', source: 'a/worker-1' });

    const [onB, onC] = [outputOf(spawnWorker(b, 1)), outputOf(spawnWorker(c, 1))];
    const more = [
      await b.backend.add({ subissue: '52', parent: '50', priority: 2 }),
      await b.backend.add({ subissue: '53', parent: '50', priority: 2 }),
    ];
    const paused = /dispatch paused until .* \(five_hour\), set by a\/worker-1: not claiming/;
    await waitFor(() => [onB, onC].every((lines) => lines.some((line) => paused.test(line))), {
      timeoutMs: 60_000,
      what: 'the workers of hosts b and c to report the pause',
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${[...onB, '--', ...onC].join('\n')}`);
    });
    for (const task of [first, ...more]) expect((await b.backend.get(task.id))?.status).toBe('queued');

    const resumed = await runBin('worker-manager', ['resume'], { home: c.paths.root, env: c.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^Resumed: the pool was paused until .* \(five_hour\)\.$/);
    await waitFor(
      async () => {
        const states = await Promise.all([first, ...more].map(async (task) => (await b.backend.get(task.id))?.status));
        return states.every((status) => status === 'done');
      },
      { timeoutMs: 120_000, intervalMs: 200, what: 'the three tasks to be done after the lift' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${[...onA, '--', ...onB, '--', ...onC].join('\n')}`);
    });
    expect([onB, onC].every((lines) => lines.some((line) => line.includes('dispatch resumed')))).toBe(true);
  }, 300_000);
});
