// "Hosts" for multi-host tests: one network namespace each, joined to the root namespace (where the
// database runs) by a veth pair with a /30 of 10.213.0.0/16. Names carry the creating test
// process's pid (hw-<pid>-<n>, veths hwr<pid>-<n> / hwn<pid>-<n>), so a later run removes what a
// killed run left once that pid is gone. Without root or `ip`, every host is loopback TCP instead.
import { execFileSync } from 'node:child_process';

export interface NetHost {
  /** The namespace (`ip netns exec NAME ...`); null on loopback. */
  readonly namespace: string | null;
  /** Where this host reaches the database. */
  readonly databaseAddress: string;
  /** This host's own address: where the database sees its connections come from. */
  readonly address: string;
  /** The veth end inside the namespace (what a partition takes down); null on loopback. */
  readonly link: string | null;
}

export interface HostNetwork {
  readonly kind: 'netns' | 'loopback';
  readonly hosts: readonly NetHost[];
  /** Root-side addresses the database must listen on (besides 127.0.0.1). */
  readonly listenAddresses: readonly string[];
  /** argv prefix that runs a command as this host. */
  exec(host: NetHost): string[];
  /** Pids of live processes in the host's namespace. */
  pids(host: NetHost): number[];
  /** Takes the host's link down or up; absent on loopback, which has no link of its own. */
  readonly setLink?: (host: NetHost, up: boolean) => void;
  remove(): void;
}

export const HOST_SUBNET = '10.213.0.0/16';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const namespacePids = (name: string) =>
  ip('netns', 'pids', name)
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);

const killAll = (pids: readonly number[]) => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
};

/** Root with a working `ip` (a missing program throws too). */
function canMakeNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    ip('netns', 'list');
    return true;
  } catch {
    return false;
  }
}

/** Namespaces and root-side veths of earlier runs whose creating process is gone (killed mid-test). */
function removeStale(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const match = /^hw-(\d+)-\d+\b/.exec(line);
    if (!match || pidAlive(Number(match[1]))) continue;
    const name = match[0];
    try {
      killAll(namespacePids(name));
      ip('netns', 'delete', name);
    } catch {
      // Removed meanwhile by another run.
    }
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const match = /^\d+:\s+(hwr(\d+)-\d+)[@:]/.exec(line);
    if (!match || pidAlive(Number(match[2]))) continue;
    try {
      ip('link', 'delete', match[1]!);
    } catch {
      // Gone with its namespace.
    }
  }
}

/** A third octet of 10.213 no address of this machine uses (a concurrent run picked another). */
function freeBlock(): number {
  const used = ip('-o', '-4', 'addr', 'show');
  for (;;) {
    const block = Math.floor(Math.random() * 256);
    if (!used.includes(`10.213.${block}.`)) return block;
  }
}

/** `loopback`: hosts on loopback TCP even where namespaces could be made (to try the fallback). */
export function makeHostNetwork(count: number, options: { readonly loopback?: boolean } = {}): HostNetwork {
  if (options.loopback === true || !canMakeNamespaces()) return loopbackNetwork(count);
  removeStale();
  const block = freeBlock();
  const hosts: NetHost[] = [];
  const remove = () => {
    for (const host of hosts.splice(0)) {
      try {
        killAll(namespacePids(host.namespace!));
        ip('netns', 'delete', host.namespace!);
      } catch {
        // Already removed.
      }
    }
    for (let n = 0; n < count; n += 1) {
      try {
        ip('link', 'delete', `hwr${process.pid}-${n}`);
      } catch {
        // Went with its namespace.
      }
    }
  };
  try {
    for (let n = 0; n < count; n += 1) {
      const [namespace, outside, inside] = [`hw-${process.pid}-${n}`, `hwr${process.pid}-${n}`, `hwn${process.pid}-${n}`];
      const [rootAddress, hostAddress] = [`10.213.${block}.${4 * n + 1}`, `10.213.${block}.${4 * n + 2}`];
      ip('netns', 'add', namespace);
      hosts.push({ namespace, databaseAddress: rootAddress, address: hostAddress, link: inside });
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', namespace);
      ip('addr', 'add', `${rootAddress}/30`, 'dev', outside);
      ip('link', 'set', outside, 'up');
      ip('-n', namespace, 'addr', 'add', `${hostAddress}/30`, 'dev', inside);
      ip('-n', namespace, 'link', 'set', inside, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    remove();
    throw error;
  }
  return {
    kind: 'netns',
    hosts,
    listenAddresses: hosts.map((host) => host.databaseAddress),
    exec: (host) => ['ip', 'netns', 'exec', host.namespace!],
    pids: (host) => namespacePids(host.namespace!),
    setLink: (host, up) => {
      ip('-n', host.namespace!, 'link', 'set', host.link!, up ? 'up' : 'down');
    },
    remove,
  };
}

function loopbackNetwork(count: number): HostNetwork {
  const hosts = Array.from(
    { length: count },
    (): NetHost => ({ namespace: null, databaseAddress: '127.0.0.1', address: '127.0.0.1', link: null }),
  );
  return {
    kind: 'loopback',
    hosts,
    listenAddresses: [],
    exec: () => [],
    pids: () => [],
    remove: () => undefined,
  };
}
