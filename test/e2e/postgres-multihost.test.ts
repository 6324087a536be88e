import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HOST_SUBNET, makeHostNetwork, type HostNetwork } from '../helpers/netns-hosts.js';
import { CLUSTER_PASSWORD, startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { describeWith } from '../helpers/requires.js';
import { waitFor } from '../helpers/wait-for.js';
import { branchTip, commandLine, withFleet, type Fleet, type FleetHost } from './postgres-multihost-helpers.js';

// Three hosts on one PostgreSQL: network namespaces joined to this (the database's) namespace by
// veth pairs, or loopback TCP where namespaces cannot be made.
let network: HostNetwork;
let cluster: PostgresCluster;
beforeAll(async () => {
  // HW_TEST_HOSTS=loopback tries the fallback where namespaces could be made.
  network = makeHostNetwork(3, { loopback: process.env.HW_TEST_HOSTS === 'loopback' });
  if (network.kind === 'loopback')
    console.warn(
      'postgres-multihost: no network namespaces (they need root and ip; HW_TEST_HOSTS=loopback asks for none): the hosts use loopback TCP',
    );
  cluster = await startPostgresCluster({ listenAddresses: network.listenAddresses, clientNetwork: HOST_SUBNET });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  network?.remove();
});

/** Success records in the shared history (hw_task_history), as `worker-performance timeline` on the last host shows them. */
async function successes(fleet: Fleet): Promise<{ host: string; task: string }[]> {
  const timeline = await fleet.hosts.at(-1)!.bin('worker-performance', ['timeline', '--json', '--limit', '500']);
  expect(timeline.exitCode, String(timeline.stderr)).toBe(0);
  const entries = (JSON.parse(String(timeline.stdout)) as { entries: { host: string; task_id: string; result: string }[] }).entries;
  return entries.filter((entry) => entry.result === 'success').map((entry) => ({ host: entry.host, task: entry.task_id }));
}

/** Every task done, each with exactly one success in the shared history, on the host whose row says so. */
async function expectDoneOnce(fleet: Fleet, subissues: readonly string[]): Promise<void> {
  const rows = await fleet.tasks();
  expect(rows.map((row) => [row.subissue, row.status])).toEqual(subissues.map((subissue) => [subissue, 'done']));
  const recorded = await successes(fleet);
  expect(recorded.map((record) => record.task).sort()).toEqual([...subissues].sort());
  for (const { host, task } of recorded) {
    expect(rows.find((row) => row.subissue === task)!.host, `the host of ${task}`).toBe(host);
    const clone = fleet.hosts.find((candidate) => candidate.name === host)!.clone;
    expect(branchTip(clone, task), `${task} on ${host}`).toBe(`agent: sub-issue ${task}`);
  }
}

const allDone = async (fleet: Fleet, count: number) => (await fleet.tasks()).filter((row) => row.status === 'done').length === count;

/** Lines of the host's worker error logs that say a finish of `task` was refused for a lost lease. */
const refusals = (host: FleetHost, task: string) => {
  const dir = join(host.home, 'errors');
  let lines: string[] = [];
  try {
    lines = readdirSync(dir).flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n'));
  } catch {
    return 0;
  }
  return lines.filter((line) => line.includes(`task ${task}: `) && line.includes('no longer held')).length;
};

/** The task a worker's state file holds (null: none). */
const taskInState = (host: FleetHost, workerId: number): unknown =>
  JSON.parse(readFileSync(join(host.home, 'state', `worker-${workerId}.state`), 'utf8')).task;

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, n) => String(from + n));

describeWith(['postgres', 'git', 'tmux'], 'three hosts on one PostgreSQL', () => {
  it('drain 30 tasks: each succeeds exactly once, on a branch of the clone that ran it; the password is in no command line', async () => {
    await withFleet(
      cluster,
      network,
      { workersPerHost: 2, before: (hosts) => hosts.forEach((host) => host.setScenario({ default: 'sleep:200' })) },
      async (fleet) => {
        await fleet.addTasks(101, 130);
        await waitFor(() => allDone(fleet, 30), { timeoutMs: 150_000, intervalMs: 250, what: 'all 30 tasks to be done' });
        await expectDoneOnce(fleet, range(101, 130));
        // Every host took part.
        expect(new Set((await successes(fleet)).map((record) => record.host)).size).toBe(3);
        // Each host reached the database over TCP from its own address (one address on loopback).
        expect(await fleet.clientAddresses()).toEqual([...new Set(fleet.hosts.map((host) => host.net.address))].sort());
        const commandLines = fleet.hosts.flatMap((host) => host.processes()).map(commandLine);
        expect(commandLines.some((line) => line.includes('worker-manager.js'))).toBe(true);
        expect(commandLines.filter((line) => line.includes(CLUSTER_PASSWORD))).toEqual([]);
      },
    );
  }, 240_000);

  it('a host that dies whole mid-task (SIGKILL of all its processes): its tasks finish on the other hosts exactly once after the lease', async () => {
    const before = (hosts: readonly FleetHost[]) =>
      hosts.forEach((host, n) => host.setScenario({ default: n === 0 ? 'hang' : 'sleep:200' }));
    await withFleet(cluster, network, { workersPerHost: 2, before }, async (fleet) => {
      const [dying, ...others] = fleet.hosts as [FleetHost, ...FleetHost[]];
      await fleet.addTasks(201, 210);
      const held = await waitFor(() => (dying.starts().length === 2 ? dying.starts() : undefined), {
        timeoutMs: 60_000,
        what: `both workers of ${dying.name} to run an agent`,
      });
      await dying.kill();
      expect(dying.processes()).toEqual([]);
      await waitFor(() => allDone(fleet, 10), { timeoutMs: 90_000, intervalMs: 250, what: 'all 10 tasks to be done' });
      await expectDoneOnce(fleet, range(201, 210));
      expect(dying.history()).toEqual([]);
      // The fleet's report, from another host, shows the dead host's workers dead.
      const report = await others.at(-1)!.bin('worker-health-monitor', ['report', '--json']);
      const workers = (JSON.parse(String(report.stdout)) as { workers: { host: string; id: number; health: string }[] }).workers;
      expect(workers.filter((worker) => worker.host === dying.name).map((worker) => `${worker.id}:${worker.health}`)).toEqual([
        '1:dead',
        '2:dead',
      ]);
      expect(workers.filter((worker) => worker.host !== dying.name && worker.health === 'dead')).toEqual([]);
      const rows = await fleet.tasks();
      for (const task of held) {
        const row = rows.find((candidate) => candidate.subissue === task)!;
        expect(others.map((host) => host.name)).toContain(row.host);
        expect(row.last_error).toMatch(new RegExp(`^lease of ${dying.name}/[12] expired$`));
        expect(row.attempts).toBe(2);
      }
    });
  }, 240_000);

  it('a partitioned host (its link down while its agents run): the tasks move, and back on the network its finish is refused and records nothing', async () => {
    const before = (hosts: readonly FleetHost[]) =>
      hosts.forEach((host, n) => host.setScenario({ default: n === 0 ? 'gate' : 'sleep:200' }));
    await withFleet(cluster, network, { workersPerHost: 2, before }, async (fleet) => {
      const [cut, ...others] = fleet.hosts as [FleetHost, ...FleetHost[]];
      await fleet.addTasks(301, 308);
      const held = await waitFor(() => (cut.starts().length === 2 ? cut.starts() : undefined), {
        timeoutMs: 60_000,
        what: `both workers of ${cut.name} to run an agent`,
      });
      cut.setReachable(false);
      await waitFor(() => allDone(fleet, 8), { timeoutMs: 90_000, intervalMs: 250, what: 'all 8 tasks to be done elsewhere' });
      const settled = await fleet.tasks();
      // The partitioned host's agents finish their work (commits on its branches) while cut off.
      for (const task of held) writeFileSync(join(cut.agentDir, `go-${task}`), '');
      await waitFor(() => held.every((task) => branchTip(cut.clone, task) === `agent: sub-issue ${task}`), {
        timeoutMs: 30_000,
        what: `the agents of ${cut.name} to commit`,
      });
      cut.setReachable(true);
      // Back on the network, each of its workers takes up its run's result, is refused (or, without
      // the lease check, records it), and lets the task go. On loopback the stand-in for a cut link
      // (the workers stopped) may get a worker replaced by its manager, which lets the task go unasked.
      const triedToRecord = (task: string) => refusals(cut, task) > 0 || cut.history().some((record) => record.task_id === task);
      await waitFor(
        () => [1, 2].every((id) => taskInState(cut, id) === null) && (network.kind === 'loopback' || held.every(triedToRecord)),
        {
          timeoutMs: 120_000,
          intervalMs: 250,
          what: `the workers of ${cut.name} to let their tasks go`,
        },
      );
      expect(cut.history()).toEqual([]);
      expect(await fleet.tasks()).toEqual(settled);
      await expectDoneOnce(fleet, range(301, 308));
      for (const task of held) expect(others.map((host) => host.name)).toContain(settled.find((row) => row.subissue === task)!.host);
    });
  }, 300_000);

  it('PostgreSQL restarted (fast) mid-run: nothing is lost, every task is done once, and every worker claims again afterwards', async () => {
    const before = (hosts: readonly FleetHost[]) => hosts.forEach((host) => host.setScenario({ default: 'sleep:1000' }));
    await withFleet(cluster, network, { workersPerHost: 2, before }, async (fleet) => {
      await fleet.addTasks(401, 430);
      await waitFor(async () => (await fleet.tasks()).filter((row) => row.status === 'done').length >= 6, {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: 'the first 6 tasks to be done',
      });
      const restartedAt = Date.now();
      await cluster.restart();
      await waitFor(() => allDone(fleet, 30), { timeoutMs: 150_000, intervalMs: 250, what: 'all 30 tasks to be done' });
      await expectDoneOnce(fleet, range(401, 430));
      const claimedAfter = (await fleet.tasks()).filter((row) => row.claimed_at !== null && row.claimed_at.getTime() > restartedAt);
      const workers = fleet.hosts.flatMap((host) => [`${host.name}/1`, `${host.name}/2`]);
      expect(new Set(claimedAfter.map((row) => `${row.host}/${row.worker_id}`))).toEqual(new Set(workers));
    });
  }, 300_000);
});
