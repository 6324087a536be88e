/**
 * Which local user opened a TCP connection to this server, from the kernel's socket table
 * (/proc/net/tcp and tcp6, Linux): the client's socket is the entry whose local port is the
 * connection's remote port and whose remote port is this server's; its `uid` column is the user.
 * Used only on loopback, where both ends are sockets of this machine.
 */
import { existsSync, readFileSync } from 'node:fs';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'] as const;

/** Whether this system tells a connection's user (otherwise the dashboard needs a token). */
export const canTellPeerUser = () => TABLES.some((table) => existsSync(table));

/** The uids of the sockets at clientPort connected to serverPort, in the text of the tables. */
export function peerUids(tables: readonly string[], clientPort: number, serverPort: number): number[] {
  const uids = new Set<number>();
  for (const text of tables) {
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, uid] = [fields[1], fields[2], fields[7]];
      if (local === undefined || remote === undefined || uid === undefined) continue;
      const port = (address: string) => parseInt(address.split(':')[1] ?? '', 16);
      if (port(local) === clientPort && port(remote) === serverPort) uids.add(Number(uid));
    }
  }
  return [...uids];
}

/** The one user behind the connection, or undefined when the tables do not tell one. */
export function peerUser(clientPort: number, serverPort: number): number | undefined {
  const texts = TABLES.filter((table) => existsSync(table)).map((table) => readFileSync(table, 'utf8'));
  const uids = peerUids(texts, clientPort, serverPort);
  return uids.length === 1 ? uids[0] : undefined;
}
