import { WorkersError } from '../../core/errors.js';

/*
 * GitHub through `gh api` and REST paths only (never GraphQL), so the user's own `gh auth login`
 * is the login. Every call runs with `--include` so the status line and headers come back with
 * the body: a rate limit's reset time is read from them, and pages are followed through the
 * `Link: rel="next"` header (what `--paginate` does, but with each page's headers in hand).
 */

export type GithubFailure = 'missing' | 'not-logged-in' | 'auth' | 'forbidden' | 'not-found' | 'rate-limit' | 'refused' | 'unreachable';

/** A GitHub call that failed, with one sentence for the user and what kind of failure it was. */
export class GithubError extends WorkersError {
  readonly failure: GithubFailure;
  readonly status: number | undefined;

  constructor(failure: GithubFailure, message: string, status?: number) {
    super('tool', message);
    this.name = 'GithubError';
    this.failure = failure;
    this.status = status;
  }
}

export interface GhContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /**
   * Longest time the calls made with this context (a command, or one task's GitHub step) wait
   * for rate limits in total before giving up (GITHUB_MAX_WAIT).
   */
  readonly maxRateWaitMs: number;
  /** What this context's calls have waited so far; shared by its copies until freshRateBudget. */
  readonly rateWait: { spentMs: number };
  readonly sleep: (ms: number) => Promise<void>;
  /** Says, once per wait, that and how long we wait. */
  readonly notice: (line: string) => void;
}

export interface GhRequest {
  /** A REST path such as `repos/o/r/issues/1` (with a query string where needed). */
  readonly path: string;
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Sent as a JSON body through `--input -` (strings and numbers keep their JSON types). */
  readonly body?: Readonly<Record<string, unknown>>;
  /** What is asked for, in the error sentence: "issue #12 of o/r". */
  readonly what: string;
  /** Extra request headers, such as `If-None-Match` for a conditional request. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface GhResponse {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: unknown;
}

const CALL_TIMEOUT_MS = 60_000;

/** Splits `--include` output: `HTTP/1.1 200 OK`, headers, a blank line, the body. */
export function parseIncluded(stdout: string): GhResponse | undefined {
  const status = /^HTTP\/[\d.]+ (\d{3})[^\n]*\n/.exec(stdout);
  if (!status) return undefined;
  const lines = stdout.slice(status[0].length).split('\n');
  const blank = lines.findIndex((line) => line.trim() === '');
  if (blank === -1) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(0, blank)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body: unknown = undefined;
  const text = lines
    .slice(blank + 1)
    .join('\n')
    .trim();
  if (text !== '') {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  return { status: Number(status[1]), headers, body };
}

/** When a rate-limited answer may be retried: `retry-after` seconds, else `x-ratelimit-reset` (epoch seconds). */
export function rateLimitReset(response: GhResponse, now: Date): Date | undefined {
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return new Date(now.getTime() + Number(retryAfter) * 1000);
  const remaining = response.headers.get('x-ratelimit-remaining');
  const reset = response.headers.get('x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset) && (remaining === '0' || response.status === 429)) return new Date(Number(reset) * 1000);
  return response.status === 429 ? now : undefined;
}

const messageOf = (body: unknown): string =>
  typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' ? body.message : '';

/** Details GitHub gives for a 422 (e.g. "A pull request already exists"). */
const detailsOf = (body: unknown): string => {
  const errors = typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors) ? body.errors : [];
  const parts = errors.map((entry: unknown) => messageOf(entry)).filter(Boolean);
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
};

/** The one sentence for a failed call: what GitHub said and what to check. */
export function failureFor(request: GhRequest, response: GhResponse): GithubError {
  const said = messageOf(response.body) || 'no message';
  const { status } = response;
  if (status === 401)
    return new GithubError(
      'auth',
      `GitHub refused the login (HTTP 401, "${said}"): run gh auth login again, or set a valid GH_TOKEN.`,
      status,
    );
  // A write's `what` is the thing to be made ("a new issue in o/r"): its 404 is about where it goes.
  if (status === 404 && (request.method ?? 'GET') !== 'GET')
    return new GithubError(
      'not-found',
      `GitHub could not make ${request.what} (HTTP 404): the repository or issue is not there, or this login may not see it: check the number and the repository.`,
      status,
    );
  if (status === 404)
    return new GithubError(
      'not-found',
      `GitHub has no ${request.what} (HTTP 404), or this login may not see it: check the number and the repository.`,
      status,
    );
  if (status === 403)
    return new GithubError(
      'forbidden',
      `GitHub denied access to ${request.what} (HTTP 403, "${said}"): the login lacks the permission.`,
      status,
    );
  return new GithubError(
    'refused',
    `GitHub refused ${request.method ?? 'GET'} ${request.what} (HTTP ${status}, "${said}"${detailsOf(response.body)}).`,
    status,
  );
}

const clock = (date: Date) => `${date.toISOString().slice(11, 19)} UTC`;

async function callOnce(context: GhContext, request: GhRequest): Promise<GhResponse> {
  const args = ['api', '--include', '-X', request.method ?? 'GET', '-H', 'Accept: application/vnd.github+json', request.path];
  for (const [name, value] of Object.entries(request.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (request.body !== undefined) args.push('--input', '-');
  // Loaded on first use, so a worker outside GitHub mode carries no execa (docs/PERFORMANCE.md, fixed cost).
  const { execa } = await import('execa');
  const result = await execa('gh', args, {
    cwd: context.cwd,
    env: { ...context.env, GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1' },
    extendEnv: false,
    reject: false,
    timeout: CALL_TIMEOUT_MS,
    ...(request.body === undefined ? { stdin: 'ignore' as const } : { input: JSON.stringify(request.body) }),
  });
  if (result.exitCode === undefined && /ENOENT/.test(result.message ?? '')) {
    throw new GithubError('missing', 'The GitHub CLI gh is not installed: install it (https://cli.github.com) and run gh auth login.');
  }
  const response = parseIncluded(result.stdout);
  if (response) return response;
  const said = result.stderr.trim() || result.shortMessage || 'no output';
  if (result.exitCode === 4 || /gh auth login/.test(said)) {
    throw new GithubError('not-logged-in', 'The GitHub CLI is not logged in: run gh auth login (or set GH_TOKEN).');
  }
  throw new GithubError('unreachable', `GitHub could not be reached for ${request.what}: ${said.split('\n')[0] ?? said}`);
}

/** A rate limit that names no time (a 429 without headers): 1 s, then twice as long each time. */
const headerlessWaitMs = (waits: number) => 1000 * 2 ** Math.min(waits, 10);

/**
 * One request; a rate limit is waited out (said each time), then the request is made again,
 * while the context's waits stay within maxRateWaitMs in total: a server that keeps answering
 * 429 or 403 with Retry-After ends the call with a rate-limit error, never a loop.
 */
async function call(context: GhContext, request: GhRequest): Promise<GhResponse> {
  for (let waits = 0; ; waits += 1) {
    const response = await callOnce(context, request);
    if (response.status < 400) return response;
    const now = context.now();
    const reset = response.status === 403 || response.status === 429 ? rateLimitReset(response, now) : undefined;
    if (reset === undefined) throw failureFor(request, response);
    const named = reset.getTime() > now.getTime();
    const waitMs = named ? reset.getTime() - now.getTime() + 1000 : headerlessWaitMs(waits);
    const limit = Math.round(context.maxRateWaitMs / 1000);
    if (waitMs > context.maxRateWaitMs) {
      throw new GithubError(
        'rate-limit',
        `GitHub's rate limit is exhausted until ${clock(reset)} (asking for ${request.what}); that is more than ${limit} s away (GITHUB_MAX_WAIT), so try again then.`,
        response.status,
      );
    }
    if (context.rateWait.spentMs + waitMs > context.maxRateWaitMs) {
      throw new GithubError(
        'rate-limit',
        `GitHub still answers HTTP ${response.status} (rate limited, asking for ${request.what}) after ${Math.round(context.rateWait.spentMs / 1000)} s of waiting, the most GITHUB_MAX_WAIT (${limit} s) allows; try again later.`,
        response.status,
      );
    }
    context.notice(
      `GitHub's rate limit is reached (asking for ${request.what}); waiting ${Math.ceil(waitMs / 1000)} s, until ${clock(new Date(now.getTime() + waitMs))}.`,
    );
    context.rateWait.spentMs += waitMs;
    await context.sleep(waitMs);
  }
}

/** A single object or array answer. */
export async function ghRequest(context: GhContext, request: GhRequest): Promise<unknown> {
  return (await call(context, request)).body;
}

/**
 * A conditional GET: with the ETag of the last answer, GitHub answers 304 Not Modified when
 * nothing changed, and a 304 does not count against the rate limit. `body` is undefined on a 304.
 */
export async function ghConditional(
  context: GhContext,
  request: GhRequest,
  etag: string | undefined,
): Promise<{ readonly notModified: boolean; readonly etag: string | undefined; readonly body: unknown }> {
  const response = await call(context, {
    ...request,
    headers: { ...request.headers, ...(etag === undefined ? {} : { 'If-None-Match': etag }) },
  });
  const notModified = response.status === 304;
  return {
    notModified,
    etag: response.headers.get('etag') ?? (notModified ? etag : undefined),
    body: notModified ? undefined : response.body,
  };
}

/** The path of the `rel="next"` link, relative to the API root, if there is one. */
export function nextPage(link: string | undefined): string | undefined {
  const next = link?.split(',').find((part) => /rel="next"/.test(part));
  const url = next ? /<([^>]+)>/.exec(next)?.[1] : undefined;
  return url ? url.replace(/^https?:\/\/[^/]+\/(api\/v3\/)?/, '') : undefined;
}

const MAX_PAGES = 100;

/** Every page of a list, in order. */
export async function ghList(context: GhContext, request: GhRequest): Promise<unknown[]> {
  const items: unknown[] = [];
  let path: string | undefined = request.path;
  for (let page = 0; path !== undefined && page < MAX_PAGES; page += 1) {
    const response = await call(context, { ...request, path });
    if (!Array.isArray(response.body))
      throw new GithubError('refused', `GitHub answered ${request.what} with something other than a list.`);
    items.push(...(response.body as unknown[]));
    path = nextPage(response.headers.get('link'));
  }
  return items;
}

/** A minute: long enough for a secondary rate limit, short enough that a command does not seem hung. */
export const DEFAULT_MAX_RATE_WAIT_MS = 60_000;

/**
 * The context a command or a worker uses: real time, waits said through `notice`, at most
 * `maxRateWaitMs` of them in total (GITHUB_MAX_WAIT).
 */
export function ghContext(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  notice: (line: string) => void,
  maxRateWaitMs: number = DEFAULT_MAX_RATE_WAIT_MS,
): GhContext {
  return {
    cwd,
    env,
    now: () => new Date(),
    maxRateWaitMs,
    rateWait: { spentMs: 0 },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    notice,
  };
}

/** The same context with the whole GITHUB_MAX_WAIT again: a worker's each task's GitHub step. */
export const freshRateBudget = (context: GhContext): GhContext => ({ ...context, rateWait: { spentMs: 0 } });
