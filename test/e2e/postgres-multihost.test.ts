import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_SUBNET, makeHostNetwork, type HostNetwork } from '../helpers/netns-hosts.js';
import { CLUSTER_PASSWORD, postgresAvailable, startPostgresCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import { branchTip, withFleet, type Fleet, type FleetHost } from './postgres-multihost-helpers.js';

// Three hosts on one PostgreSQL: network namespaces joined to this (the database's) namespace by
// veth pairs, or loopback TCP where namespaces cannot be made.
let network: HostNetwork;
let cluster: PostgresCluster;
beforeAll(async () => {
  network = makeHostNetwork(3);
  if (network.kind === 'loopback') console.warn('postgres-multihost: cannot make network namespaces here; the hosts use loopback TCP');
  cluster = await startPostgresCluster({ listenAddresses: network.listenAddresses, clientNetwork: HOST_SUBNET });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  network?.remove();
});

const successes = (hosts: readonly FleetHost[]) =>
  hosts.flatMap((host) =>
    host
      .history()
      .filter((record) => record.result === 'success')
      .map((record) => ({ host: host.name, task: record.task_id })),
  );

/** Every task done, each with exactly one success in the union of the hosts' histories, on the host whose row says so. */
async function expectDoneOnce(fleet: Fleet, subissues: readonly string[]): Promise<void> {
  const rows = await fleet.tasks();
  expect(rows.map((row) => [row.subissue, row.status])).toEqual(subissues.map((subissue) => [subissue, 'done']));
  const recorded = successes(fleet.hosts);
  expect(recorded.map((record) => record.task).sort()).toEqual([...subissues].sort());
  for (const { host, task } of recorded) {
    const clone = fleet.hosts.find((candidate) => candidate.name === host)!.clone;
    expect(branchTip(clone, task), `${task} on ${host}`).toBe(`agent: sub-issue ${task}`);
  }
}

const allDone = async (fleet: Fleet, count: number) => (await fleet.tasks()).filter((row) => row.status === 'done').length === count;

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, n) => String(from + n));

describe.skipIf(!postgresAvailable)('three hosts on one PostgreSQL', () => {
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
        expect(new Set(successes(fleet.hosts).map((record) => record.host)).size).toBe(3);
        const commandLines = fleet.hosts.flatMap((host) => host.processes()).map(commandLine);
        expect(commandLines.some((line) => line.includes('worker-manager.js'))).toBe(true);
        expect(commandLines.filter((line) => line.includes(CLUSTER_PASSWORD))).toEqual([]);
      },
    );
  }, 240_000);
});
