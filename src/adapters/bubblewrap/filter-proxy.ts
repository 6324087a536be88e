import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';

/**
 * The sandbox's only way out (docs/SPEC.md section 15.4): an HTTP proxy on a unix socket that the
 * worker runs outside the sandbox and shows inside it. It forwards a CONNECT, or a plain HTTP
 * request by absolute URI, to an allowed host and answers 403 to any other. It resolves names
 * itself (the sandbox has no DNS) and never looks inside a tunnel.
 */

/** `host` (any port) or `host:port`; a name is compared without case. */
export interface HostRule {
  readonly host: string;
  readonly port?: number;
}

/** `example.com`, `example.com:8443`, `[::1]:80`; undefined when it is none of these. */
export function parseHostRule(text: string): HostRule | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const host = (match[1] ?? match[2]!).toLowerCase();
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return port === undefined ? { host } : { host, port };
}

/** The rule of a URL's host and port (the scheme's default port when it names none). */
export function urlHostRule(url: string): HostRule | undefined {
  try {
    const parsed = new URL(url);
    const port = parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'http:' ? 80 : 443;
    return { host: parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
  } catch {
    return undefined;
  }
}

export const allows = (rules: readonly HostRule[], host: string, port: number): boolean =>
  rules.some((rule) => rule.host === host.toLowerCase() && (rule.port === undefined || rule.port === port));

export const formatRule = (rule: HostRule): string =>
  `${rule.host.includes(':') ? `[${rule.host}]` : rule.host}${rule.port === undefined ? '' : `:${rule.port}`}`;

/** `host:port` of a CONNECT. */
function connectTarget(target: string): { host: string; port: number } | undefined {
  const rule = parseHostRule(target);
  return rule?.port === undefined ? undefined : { host: rule.host, port: rule.port };
}

/** Headers meant for the proxy itself, not the server. */
const HOP_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']);
const forwardHeaders = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));

export interface FilterProxy {
  close(): Promise<void>;
}

/** Listens on `socketPath` (a stale socket there is replaced); `refused` hears each refused target. */
export async function startFilterProxy(
  socketPath: string,
  rules: readonly HostRule[],
  refused: (target: string) => void,
): Promise<FilterProxy> {
  // Loaded here, not with the module: a worker without a sandboxed network never needs http
  // (about 0.5 MiB resident: docs/PERFORMANCE.md, "A task's fixed cost").
  const { createServer, request } = await import('node:http');
  const server = createServer((req, res) => {
    const url = req.url !== undefined && /^http:\/\//i.test(req.url) ? urlHostRule(req.url) : undefined;
    if (url === undefined || !allows(rules, url.host, url.port!)) {
      refused(url ? formatRule(url) : (req.url ?? ''));
      res.writeHead(url ? 403 : 400, { 'content-type': 'text/plain', connection: 'close' });
      res.end(url ? `the sandbox's proxy does not allow ${formatRule(url)}\n` : 'only absolute http:// URIs and CONNECT\n');
      return;
    }
    const target = new URL(req.url!);
    const upstream = request(
      {
        host: url.host,
        port: url.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: forwardHeaders(req.headers),
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${error.message}\n`);
    });
    req.pipe(upstream);
  });
  server.on('connect', (req, client, head) => {
    const target = connectTarget(req.url ?? '');
    if (target === undefined || !allows(rules, target.host, target.port)) {
      refused(req.url ?? '');
      client.end(`HTTP/1.1 ${target ? '403 Forbidden' : '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    const upstream = connect(target.port, target.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  // The worker's own exit is never held up by a proxy no run needs any more.
  server.unref();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
