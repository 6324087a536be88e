import { expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freshDatabase, openPostgresHost } from '../helpers/postgres-host.js';
import { usePrivateCluster } from '../helpers/private-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { runBin, spawnWorker } from '../helpers/run-bin.js';
import { waitFor } from '../helpers/wait-for.js';

const cluster = usePrivateCluster();

/** A worker process's combined output, line by line as it comes. */
function outputOf(child: ReturnType<typeof spawnWorker>): string[] {
  const lines: string[] = [];
  child.all?.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return lines;
}

describeWith(['postgres', 'git'], 'a daily budget shared by two hosts (real worker processes, the fake agent reporting usage)', () => {
  it('once the reported costs reach BUDGET_DAILY_USD no host starts a new attempt, the running one finishes, and resume --budget starts them again', async () => {
    const url = await freshDatabase(cluster());
    // Each commit-usage run reports $0.25 in AGENT_USAGE_FILE: two of them spend the $0.50.
    const budget = { BUDGET_DAILY_USD: '0.5', BUDGET_TZ: 'Europe/Paris' };
    const [a, b] = [await openPostgresHost(url, 'a', budget), await openPostgresHost(url, 'b', budget)];
    const plan = { default: 'commit-usage', tasks: { '53': 'gate' } };
    a.setScenario(plan);
    b.setScenario(plan);
    const gateDir = (host: typeof a) => join(host.paths.root, 'agent');
    const [onA, onB] = [outputOf(spawnWorker(a, 1)), outputOf(spawnWorker(b, 1))];
    const dump = () => [...onA, '--', ...onB].join('\n');
    const fail = (error: Error) => {
      throw new Error(`${error.message}\n${dump()}`);
    };

    // One long attempt is running when the budget is reached.
    const running = await a.backend.add({ subissue: '53', parent: '50', priority: 1 });
    const holder = await waitFor(async () => (await a.backend.get(running.id))?.host, { timeoutMs: 30_000, what: 'task 53 claimed' }).catch(
      fail,
    );
    const spenders = [
      await a.backend.add({ subissue: '51', parent: '50', priority: 2 }),
      await a.backend.add({ subissue: '52', parent: '50', priority: 2 }),
    ];
    await waitFor(async () => (await Promise.all(spenders.map((t) => a.backend.get(t.id)))).every((t) => t?.status === 'done'), {
      timeoutMs: 60_000,
      what: 'tasks 51 and 52 done',
    }).catch(fail);

    const later = [
      await b.backend.add({ subissue: '54', parent: '50', priority: 2 }),
      await b.backend.add({ subissue: '55', parent: '50', priority: 2 }),
    ];
    const reached = 'budget reached: $0.50 of $0.50 today';
    // The idle worker of the other host stops at once; the busy one finishes its attempt, then stops too.
    const idle = holder === 'a' ? onB : onA;
    await waitFor(() => idle.some((line) => line.includes(reached)), { timeoutMs: 30_000, what: 'the idle worker to stop' }).catch(fail);
    const gateOf = holder === 'a' ? gateDir(a) : gateDir(b);
    mkdirSync(gateOf, { recursive: true });
    writeFileSync(join(gateOf, 'go-53'), '');
    await waitFor(async () => (await a.backend.get(running.id))?.status === 'done', { timeoutMs: 60_000, what: 'task 53 done' }).catch(
      fail,
    );
    await waitFor(() => [onA, onB].every((lines) => lines.some((line) => line.includes(reached))), {
      timeoutMs: 30_000,
      what: 'both hosts to report the budget',
    }).catch(fail);
    await new Promise((settle) => setTimeout(settle, 1500));
    for (const task of later) expect((await b.backend.get(task.id))?.status, dump()).toBe('queued');

    // Every view says so, on either host; the gate attempt reported no cost: unknown, not $0.
    const status = await runBin('worker-manager', ['status', '--json'], { home: a.paths.root, env: a.env });
    expect(status.exitCode, status.stderr).toBe(0);
    const holds = (JSON.parse(status.stdout) as { holds: { budget_reached: { text: string; command: string }[] } }).holds;
    expect(holds.budget_reached).toEqual([
      {
        text: `${reached} (+ 1 run of unknown cost: the agent reported none)`,
        command: "worker-manager resume --budget USD (raises today's budget; a new day starts fresh)",
      },
    ]);
    const queueStatus = await runBin('worker-queue', ['status'], { home: b.paths.root, env: b.env });
    expect(queueStatus.stdout).toContain(`Dispatch stopped, ${reached}`);

    const refused = await runBin('worker-manager', ['resume', '--budget', 'lots'], { home: b.paths.root, env: b.env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'worker-manager: --budget takes a cost in US dollars above 0 and at most 100000, such as 25 or 7.5, not "lots".',
    );

    const raised = await runBin('worker-manager', ['resume', '--budget', '2'], { home: b.paths.root, env: b.env });
    expect(raised.exitCode, raised.stderr).toBe(0);
    expect(raised.stdout).toMatch(
      /^Today's budget \(\d{4}-\d\d-\d\d in Europe\/Paris\) is now \$2\.00 \(budget: \$0\.50 of \$2\.00 today .*\): the workers start new attempts again\.$/m,
    );
    await waitFor(async () => (await Promise.all(later.map((t) => b.backend.get(t.id)))).every((t) => t?.status === 'done'), {
      timeoutMs: 60_000,
      what: 'tasks 54 and 55 done after the raise',
    }).catch(fail);

    // The report shows the spend per day (of BUDGET_TZ) and per parent, every host's.
    const report = await runBin('worker-performance', ['report', '--json'], { home: a.paths.root, env: a.env });
    const spend = (JSON.parse(report.stdout) as { spend: { today: string; days: unknown[]; parents: unknown[] } }).spend;
    expect(spend.days).toEqual([{ day: spend.today, usd: 1, unknown_cost_runs: 1 }]);
    expect(spend.parents).toEqual([{ parent: '50', usd: 1, unknown_cost_runs: 1 }]);
    const text = await runBin('worker-performance', ['report'], { home: a.paths.root, env: a.env });
    expect(text.stdout).toContain('Spend/parent: #50 $1.00 + 1 run(s) of unknown cost');
  }, 240_000);
});

/** The watcher's record of one pull request of the pool (github/pull-requests.json), as the manager writes it. */
const watched = (task: string, number: number, approvedBy: string[]) => ({
  task_id: task,
  parent: '60',
  pr_number: number,
  pr_url: `https://github.com/o/r/pull/${number}`,
  state: approvedBy.length > 0 ? 'approved' : 'open',
  checks: 'passing',
  failing: [],
  approved_by: approvedBy,
  head_sha: null,
  last_change_at: new Date().toISOString(),
  checked_at: new Date().toISOString(),
  next_poll_at: new Date().toISOString(),
  error: null,
  cache: {},
});

describeWith(['postgres', 'git'], 'MAX_OPEN_PRS (a real worker process, the watcher record)', () => {
  it('two open pull requests without an approving review hold new work; an approval releases it', async () => {
    const url = await freshDatabase(cluster());
    const host = await openPostgresHost(url, 'a', { MAX_OPEN_PRS: '2' });
    const record = join(host.paths.root, 'github', 'pull-requests.json');
    mkdirSync(join(host.paths.root, 'github'), { recursive: true });
    const write = (approvedBy: string[]) =>
      writeFileSync(record, JSON.stringify({ version: 1, pulls: { '61': watched('61', 1, []), '62': watched('62', 2, approvedBy) } }));
    write([]);
    const output = outputOf(spawnWorker(host, 1));
    const task = await host.backend.add({ subissue: '63', parent: '60', priority: 1 });
    await waitFor(() => output.some((line) => line.includes('waiting for reviews: 2 open PRs (MAX_OPEN_PRS 2)')), {
      timeoutMs: 30_000,
      what: 'the worker to hold new work',
    });
    expect((await host.backend.get(task.id))?.status).toBe('queued');
    const status = await runBin('worker-queue', ['status'], { home: host.paths.root, env: host.env });
    expect(status.stdout).toContain('Dispatch held, waiting for reviews: 2 open PRs (MAX_OPEN_PRS 2)');

    write(['maintainer']);
    await waitFor(async () => (await host.backend.get(task.id))?.status === 'done', { timeoutMs: 60_000, what: 'task 63 done' }).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${output.join('\n')}`);
      },
    );
  }, 120_000);
});
