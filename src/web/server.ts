import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isWorkersError } from '../core/errors.js';
import { ACTION_NAMES, runAction, type ActionName, type DashboardActions } from './actions.js';
import { originMatches, requestToken, tokenCookie, tokensMatch } from './auth.js';
import { PAGE_HTML } from './page-html.js';
import { pageScript } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { SseHub } from './sse-hub.js';

export interface DashboardServerOptions {
  /** Required on every request but /healthz when set. */
  readonly token: string | null;
  /**
   * Without a token: the Host names the page answers to (loopback names and the bound address;
   * any other is a DNS rebinding), and the one local user it serves (the data root's owner).
   */
  readonly loopbackOnly?: {
    readonly hosts: readonly string[];
    readonly ownerUid: number;
    readonly peerUid: (request: IncomingMessage) => number | undefined;
  };
  /** Null: read-only. */
  readonly actions: DashboardActions | null;
  readonly state: () => Promise<string>;
  readonly metrics: () => Promise<string>;
  readonly hub: SseHub;
  /** `/log?task=REF`: a task's latest attempt as readable text (read-only, so served without --allow-actions). */
  readonly taskLog?: (ref: string) => Promise<string>;
}

/** The only files served: from memory, so no request path ever reaches the file system. */
const ASSETS: Readonly<Record<string, { readonly type: string; readonly body: () => string }>> = {
  '/': { type: 'text/html; charset=utf-8', body: () => PAGE_HTML },
  '/assets/dashboard.js': { type: 'text/javascript; charset=utf-8', body: pageScript },
  '/assets/dashboard.css': { type: 'text/css; charset=utf-8', body: () => PAGE_STYLE },
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};
const MAX_BODY = 4096;

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

const sendText = (response: ServerResponse, status: number, text: string) =>
  send(response, status, 'text/plain; charset=utf-8', `${text}\n`);

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > MAX_BODY) return undefined;
  }
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Token check: a `?token=` link sets the cookie and redirects to the same address without it. */
function authorize(request: IncomingMessage, response: ServerResponse, url: URL, token: string | null): boolean {
  if (token === null) return true;
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null && request.method === 'GET') {
    if (!tokensMatch(fromQuery, token)) {
      sendText(response, 401, 'Unauthorized: wrong token.');
      return false;
    }
    url.searchParams.delete('token');
    send(response, 303, 'text/plain; charset=utf-8', '', { location: `${url.pathname}${url.search}`, 'set-cookie': tokenCookie(token) });
    return false;
  }
  const given = requestToken(request);
  if (given !== undefined && tokensMatch(given, token)) return true;
  sendText(response, 401, 'Unauthorized: open the link with ?token=..., or send Authorization: Bearer <token>.');
  return false;
}

async function handleAction(
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  options: DashboardServerOptions,
): Promise<void> {
  if (options.actions === null) return sendText(response, 403, 'Actions are off: start the server with --allow-actions.');
  if (request.method !== 'POST') return sendText(response, 405, 'Actions are POST requests.');
  if (!originMatches(request)) return sendText(response, 403, 'Refused: the request does not come from this dashboard (Origin).');
  if (!(ACTION_NAMES as readonly string[]).includes(name)) return sendText(response, 404, 'No such action.');
  const body = await readBody(request);
  if (body === undefined) return sendText(response, 400, 'The body must be a small JSON object.');
  try {
    sendText(response, 200, await runAction(options.actions, name as ActionName, body));
  } catch (error) {
    sendText(response, isWorkersError(error) && error.kind === 'usage' ? 400 : 409, (error as Error).message);
  }
}

async function handleTaskLog(response: ServerResponse, url: URL, options: DashboardServerOptions): Promise<void> {
  const ref = url.searchParams.get('task');
  if (options.taskLog === undefined) return sendText(response, 404, 'Not found.');
  if (ref === null || ref.length > 300) return sendText(response, 400, 'Name the task: /log?task=201 (or owner/name#201).');
  try {
    send(response, 200, 'text/plain; charset=utf-8', await options.taskLog(ref));
  } catch (error) {
    if (!isWorkersError(error)) throw error;
    sendText(response, error.kind === 'usage' ? 400 : 404, error.message);
  }
}

/** The Host header without its port: `[::1]:8080` is `[::1]`, `localhost:80` is `localhost`. */
export const hostName = (host: string) => host.replace(/:\d*$/, '').toLowerCase();

/** Without a token: only a loopback Host (no DNS rebinding) and only the data root's owner. */
function allowedWithoutToken(request: IncomingMessage, response: ServerResponse, options: DashboardServerOptions): boolean {
  const guard = options.loopbackOnly;
  if (options.token !== null || guard === undefined) return true;
  if (!guard.hosts.includes(hostName(request.headers.host ?? ''))) {
    sendText(response, 421, `Refused: this dashboard answers only to ${guard.hosts.join(', ')} (Host), not to another name.`);
    return false;
  }
  if (guard.peerUid(request) !== guard.ownerUid) {
    sendText(response, 403, "Refused: without WORKERS_DASHBOARD_TOKEN this dashboard serves only the data root's owner.");
    return false;
  }
  return true;
}

async function route(request: IncomingMessage, response: ServerResponse, options: DashboardServerOptions): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://dashboard');
  if (url.pathname === '/healthz') return sendText(response, 200, 'ok');
  if (!allowedWithoutToken(request, response, options)) return;
  // The browser asks for it on every page; no icon, and no 404 in its console.
  if (url.pathname === '/favicon.ico') {
    response.writeHead(204, { 'cache-control': 'max-age=86400', ...SECURITY_HEADERS });
    response.end();
    return undefined;
  }
  if (!authorize(request, response, url, options.token)) return;
  if (url.pathname.startsWith('/api/actions/')) return handleAction(request, response, url.pathname.slice('/api/actions/'.length), options);
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendText(response, 405, 'Only GET here.');
  const asset = ASSETS[url.pathname];
  if (asset !== undefined) return send(response, 200, asset.type, asset.body());
  switch (url.pathname) {
    case '/api/state':
      return send(response, 200, 'application/json; charset=utf-8', await options.state());
    case '/api/capabilities':
      return send(response, 200, 'application/json; charset=utf-8', JSON.stringify({ actions: options.actions !== null }));
    case '/metrics':
      return send(response, 200, 'text/plain; version=0.0.4; charset=utf-8', await options.metrics());
    case '/log':
      return handleTaskLog(response, url, options);
    case '/events':
      options.hub.add(response, await options.state().catch(() => null));
      return undefined;
    default:
      return sendText(response, 404, 'Not found.');
  }
}

export function createDashboardServer(options: DashboardServerOptions): Server {
  return createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) sendText(response, 500, `The dashboard could not answer: ${(error as Error).message}`);
      else response.end();
    });
  });
}
