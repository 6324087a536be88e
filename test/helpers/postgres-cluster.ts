// A private PostgreSQL cluster for one test file: initdb once, a database per test. initdb refuses
// root, so the server runs as the postgres user, in a temp directory that is also its socket
// directory; it listens on 127.0.0.1 at a random port too (password login) and never on 5432.
// `listenAddresses` adds more (the root ends of test hosts' veths), with password login from them.
import { execa } from 'execa';
import { appendFileSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { POSTGRES_BIN as BIN } from './postgres-bin.js';

export const CLUSTER_USER = 'hw';
export const CLUSTER_PASSWORD = 'hw-secret-pw';

export interface PostgresCluster {
  readonly socketDir: string;
  readonly port: number;
  /** A fresh, migrated-or-not database; its WORKERS_DATABASE_URL (through the socket directory). */
  createDatabase(): Promise<string>;
  /** The same database over TCP with this password (for login tests), at `address` (default 127.0.0.1). */
  tcpUrl(database: string, password: string, address?: string): string;
  /** `pg_ctl restart -m fast`: connections are dropped and the server comes back on the same port. */
  restart(): Promise<void>;
  /** The server down (pg_ctl stop -m fast) until startServer. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

const asPostgres = (args: readonly string[]) => execa('runuser', ['-u', 'postgres', '--', ...args], { stdin: 'ignore' });

let databases = 0;

export interface ClusterOptions {
  /** Addresses to listen on besides 127.0.0.1 (they must exist while the server runs). */
  readonly listenAddresses?: readonly string[];
  /** The network those clients come from (a pg_hba `host` line, password login). */
  readonly clientNetwork?: string;
  /** fsync on, as a real server (the benchmarks); tests run without it, for speed. */
  readonly durable?: boolean;
}

/** The database name in a URL createDatabase returned. */
export const databaseNameOf = (url: string) => /localhost\/(\w+)\?/.exec(url)![1]!;

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hw-pg-'));
  const { stdout: uid } = await execa('id', ['-u', 'postgres']);
  const { stdout: gid } = await execa('id', ['-g', 'postgres']);
  chownSync(dir, Number(uid), Number(gid));
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, CLUSTER_PASSWORD);
  chownSync(pwfile, Number(uid), Number(gid));
  const data = join(dir, 'data');
  await asPostgres([
    join(BIN, 'initdb'),
    '-D',
    data,
    '-U',
    CLUSTER_USER,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-N',
  ]);
  if (options.clientNetwork !== undefined)
    appendFileSync(join(data, 'pg_hba.conf'), `host all all ${options.clientNetwork} scram-sha-256\n`);
  const listen = ['127.0.0.1', ...(options.listenAddresses ?? [])].join(',');
  const log = join(dir, 'log');
  let port = 0;
  /** `start`, or `restart -m fast` (the server stopped and started again by one pg_ctl call). */
  const control = async (...action: string[]) => {
    await asPostgres([
      join(BIN, 'pg_ctl'),
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-o',
      `-k ${dir} -p ${port} -c listen_addresses=${listen} -c fsync=${options.durable ? 'on' : 'off'}`,
      ...action,
    ]);
  };
  const start = () => control('start');
  for (let tries = 0; ; tries += 1) {
    port = 20_000 + Math.floor(Math.random() * 30_000);
    try {
      await start();
      break;
    } catch (error) {
      if (tries >= 5) throw error;
    }
  }
  const stopServer = async () => {
    await asPostgres([join(BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']);
  };
  const admin = () => new pg.Client({ host: dir, port, user: CLUSTER_USER, database: 'postgres' });
  return {
    socketDir: dir,
    port,
    async createDatabase() {
      databases += 1;
      const name = `t${process.pid}_${databases}`;
      const client = admin();
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgresql://${CLUSTER_USER}@localhost/${name}?host=${encodeURIComponent(dir)}&port=${port}`;
    },
    tcpUrl: (database, password, address = '127.0.0.1') =>
      `postgres://${CLUSTER_USER}:${encodeURIComponent(password)}@${address}:${port}/${database}`,
    restart: () => control('-m', 'fast', 'restart'),
    stopServer,
    startServer: start,
    async stop() {
      await asPostgres([join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
