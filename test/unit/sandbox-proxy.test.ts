import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHostRule, startFilterProxy } from '../../src/adapters/bubblewrap/filter-proxy.js';
import { isWorkersError } from '../../src/core/errors.js';
import { resolveSettings } from '../../src/core/settings.js';
import { chooseSandbox } from '../../src/worker/sandbox.js';
import { afterThisTest } from '../helpers/after-test.js';
import { makeGitRepo } from '../helpers/git-repo.js';
import { makeTempDir } from '../helpers/temp.js';

/*
 * docs/SPEC.md section 15.1: the worker's filtering proxy, the sandbox's only way out. Driven
 * here on its unix socket as the bridge inside the sandbox drives it.
 */

/** An HTTP server on 127.0.0.1 that answers every request with its own port and the path asked. */
async function echoServer(): Promise<number> {
  const server = createServer((req, res) => res.end(`server saw ${req.method} ${req.url}`));
  afterThisTest(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function proxyAllowing(hosts: string): Promise<{ socket: string; refused: string[] }> {
  const socket = join(makeTempDir('hw-proxy-'), 'proxy.sock');
  const refused: string[] = [];
  const proxy = await startFilterProxy(
    socket,
    hosts.split(',').map((host) => parseHostRule(host)!),
    (target) => refused.push(target),
  );
  afterThisTest(() => proxy.close());
  return { socket, refused };
}

/** A plain HTTP request by absolute URI, as HTTP_PROXY makes a client send it. */
const getThrough = (socket: string, url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ socketPath: socket, path: url, headers: { host: new URL(url).host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

/** A CONNECT, then a request inside the tunnel; the proxy's status line and what came back. */
const connectThrough = (socket: string, target: string) =>
  new Promise<string>((resolve, reject) => {
    const client = connect(socket, () => client.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
    let seen = '';
    let asked = false;
    client.on('data', (chunk: Buffer) => {
      seen += String(chunk);
      if (!asked && seen.startsWith('HTTP/1.1 200') && seen.includes('\r\n\r\n')) {
        asked = true;
        client.write(`GET /inside HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
      }
    });
    client.on('end', () => resolve(seen));
    client.on('error', reject);
  });

describe('the sandbox filtering proxy', () => {
  it('forwards a plain HTTP request and a CONNECT tunnel to an allowed host:port', async () => {
    const port = await echoServer();
    const { socket, refused } = await proxyAllowing(`127.0.0.1:${port}`);
    expect(await getThrough(socket, `http://127.0.0.1:${port}/v1/messages?beta=true`)).toEqual({
      status: 200,
      body: 'server saw GET /v1/messages?beta=true',
    });
    const tunnel = await connectThrough(socket, `127.0.0.1:${port}`);
    expect(tunnel).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(tunnel).toContain('server saw GET /inside');
    expect(refused).toEqual([]);
  });

  it('answers 403 to another port of the same host and to another host, and reports each', async () => {
    const allowed = await echoServer();
    const other = await echoServer();
    const { socket, refused } = await proxyAllowing(`127.0.0.1:${allowed}`);
    const plain = await getThrough(socket, `http://127.0.0.1:${other}/`);
    expect(plain.status).toBe(403);
    expect(plain.body).not.toContain('server saw');
    expect(await connectThrough(socket, `127.0.0.1:${other}`)).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(await connectThrough(socket, `localhost:${allowed}`)).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(refused).toEqual([`127.0.0.1:${other}`, `127.0.0.1:${other}`, `localhost:${allowed}`]);
  });

  it('a host listed without a port is allowed on any port', async () => {
    const port = await echoServer();
    const { socket } = await proxyAllowing('127.0.0.1');
    expect((await getThrough(socket, `http://127.0.0.1:${port}/x`)).body).toBe('server saw GET /x');
  });
});

describe('SANDBOX_ALLOW_HOSTS and SANDBOX_SETUP_HOSTS', () => {
  it('an entry that is not a host or host:port is a config error in one sentence', async () => {
    for (const [name, value] of [
      ['SANDBOX_ALLOW_HOSTS', 'example.com:99999'],
      ['SANDBOX_SETUP_HOSTS', 'registry.npmjs.org, [bad'],
    ] as const) {
      const refused = await chooseSandbox(
        resolveSettings({}, { SANDBOX: 'auto', [name]: value }),
        process.env,
        makeGitRepo(),
        'linux',
        1000,
      ).catch((error: unknown) => error);
      expect(isWorkersError(refused) && refused.kind).toBe('config');
      expect((refused as Error).message).toMatch(new RegExp(`^${name} has ".+", which is not a host or host:port\\.$`));
    }
  });
});
