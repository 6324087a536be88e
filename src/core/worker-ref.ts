/**
 * Workers are (host, id): one host's ids are its own, so in a shared (postgres) store two hosts
 * both have a worker 1. On the command line `host/id` names another host's worker; plain `id`
 * means this host (WORKER_HOST).
 */
import { hostname } from 'node:os';
import type { Settings } from './settings.js';
import { describeValue, parseWorkerId } from './worker-id.js';
import { usageError } from './errors.js';

export interface WorkerRef {
  readonly host: string;
  readonly id: number;
}

const HOST = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** This host's name among the hosts of a shared store: WORKER_HOST, else the machine's name. */
export const workerHost = (settings: Pick<Settings, 'WORKER_HOST'>) =>
  settings.WORKER_HOST ||
  hostname()
    .split('.')[0]!
    .replace(/[^A-Za-z0-9_.-]/g, '-');

/** `id` (this host's worker) or `host/id`. */
export function parseWorkerRef(raw: string, localHost: string, exitCode?: number): WorkerRef {
  const slash = raw.lastIndexOf('/');
  if (slash === -1) return { host: localHost, id: parseWorkerId(raw, exitCode) };
  const host = raw.slice(0, slash);
  if (!HOST.test(host)) {
    throw usageError(
      `Invalid host in worker ${describeValue(raw)}: use host/id with a host of letters, digits, _ . - (or just the id).`,
      exitCode,
    );
  }
  return { host, id: parseWorkerId(raw.slice(slash + 1), exitCode) };
}

/**
 * A worker of this host, for the commands that act on one (restart it, record its beat): `id`, or
 * `host/id` naming this host; another host's worker is refused with where to run the command.
 */
export function parseLocalWorkerId(raw: string, localHost: string, command: string): number {
  const ref = parseWorkerRef(raw, localHost);
  if (ref.host !== localHost) {
    throw usageError(`Worker ${workerKey(ref)} is on host ${ref.host}, not this one (${localHost}); run ${command} on ${ref.host}.`);
  }
  return ref.id;
}

/** The key of a worker in a fleet-wide map: `host/id`. */
export const workerKey = (ref: WorkerRef) => `${ref.host}/${ref.id}`;

export function splitWorkerKey(key: string): WorkerRef {
  const slash = key.lastIndexOf('/');
  return { host: key.slice(0, slash), id: Number(key.slice(slash + 1)) };
}

/** Fleet order: by host, then by id. */
export const compareWorkers = (a: WorkerRef, b: WorkerRef) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.id - b.id);

/** Whether rows of several hosts are shown: then views add a Host column. */
export const hasSeveralHosts = (rows: readonly { readonly host: string }[]) => rows.some((row) => row.host !== rows[0]!.host);

/** How a view names a worker: `host/id` among several hosts' workers, else the id. */
export const workerLabel = (ref: WorkerRef, severalHosts: boolean) => (severalHosts ? workerKey(ref) : String(ref.id));
