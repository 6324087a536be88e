import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A scripted GitHub REST API on 127.0.0.1 for the real `gh` CLI. gh sends plain HTTP to
 * api.github.localhost when GH_HOST=github.localhost and goes through HTTP_PROXY, so requests
 * arrive in proxy form (`GET http://api.github.localhost/repos/o/r/...`): the path is taken from
 * the absolute URL. One repository, in memory: issues, sub-issues, comments, pull requests (open,
 * closed or merged).
 */

export interface ScriptedIssue {
  readonly number: number;
  readonly title: string;
  readonly body?: string;
  readonly state?: 'open' | 'closed';
  readonly labels?: readonly string[];
  /** The parent's number: this issue is one of its sub-issues (in the order given). */
  readonly parent?: number;
}

export interface RecordedGithubRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
}

/** An answer that replaces the model's for requests matching `method` and `path`. */
export interface ScriptedFault {
  readonly method: string;
  readonly path: RegExp;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly message: string;
  /** How many matching requests get it (default: all). */
  times?: number;
}

interface Issue {
  number: number;
  id: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  subIssues: number[];
  comments: { id: number; body: string; user: { login: string }; author_association: string; created_at: string }[];
}

interface Pull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged_at: string | null;
}

export interface GithubApi {
  /** For HTTP_PROXY. */
  readonly proxyUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly requests: readonly RecordedGithubRequest[];
  /** The environment that points the real gh at this server (GH_CONFIG_DIR is the caller's). */
  env(configDir: string): Record<string, string>;
  addFault(fault: ScriptedFault): void;
  /** Creates the pull request for `head` but never answers that request (a crash window for the caller). */
  holdPullCreation(head: string): void;
  /** Closes pull request `number` as a reviewer would, merged or not. */
  closePull(number: number, options?: { readonly merged?: boolean }): void;
  /** A comment on issue `number` by `login`, whose relation to the repository is `association` (GitHub's author_association). */
  addComment(number: number, comment: { readonly login: string; readonly association: string; readonly body: string }): void;
  issue(number: number): Issue | undefined;
  subIssuesOf(number: number): number[];
  pulls(): readonly Pull[];
  close(): Promise<void>;
}

export interface GithubApiOptions {
  readonly owner?: string;
  readonly repo?: string;
  readonly issues?: readonly ScriptedIssue[];
  /** Sub-issues per page unless the request asks for fewer (to exercise pagination). */
  readonly pageSize?: number;
  readonly token?: string;
}

const HOST = 'http://api.github.localhost';

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startGithubApi(options: GithubApiOptions = {}): Promise<GithubApi> {
  const owner = options.owner ?? 'octo';
  const repo = options.repo ?? 'widgets';
  const token = options.token ?? 'gh-scripted-token';
  const pageSize = options.pageSize ?? 30;
  const issues = new Map<number, Issue>();
  const pulls: Pull[] = [];
  const faults: ScriptedFault[] = [];
  const requests: RecordedGithubRequest[] = [];
  const heldHeads = new Set<string>();
  let nextId = 9000;
  const addIssue = (spec: ScriptedIssue): Issue => {
    const issue: Issue = {
      number: spec.number,
      id: nextId++,
      title: spec.title,
      body: spec.body ?? '',
      state: spec.state ?? 'open',
      labels: [...(spec.labels ?? [])],
      subIssues: [],
      comments: [],
    };
    issues.set(spec.number, issue);
    return issue;
  };
  for (const spec of options.issues ?? []) addIssue(spec);
  for (const spec of options.issues ?? []) if (spec.parent !== undefined) issues.get(spec.parent)!.subIssues.push(spec.number);
  const base = `/repos/${owner}/${repo}`;
  const issueJson = (issue: Issue) => ({
    id: issue.id,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    labels: issue.labels.map((name) => ({ name })),
    html_url: `https://github.localhost/${owner}/${repo}/issues/${issue.number}`,
  });
  const pullJson = (pull: Pull) => ({
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    merged_at: pull.merged_at,
    html_url: `https://github.localhost/${owner}/${repo}/pull/${pull.number}`,
    head: { ref: pull.head, label: `${owner}:${pull.head}` },
    base: { ref: pull.base },
  });

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
  const notFound: Answer = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };

  function route(method: string, url: URL, body: unknown): Answer {
    const path = url.pathname;
    if (method === 'GET' && path === '/user') return { status: 200, body: { login: 'scripted-user', id: 1 } };
    if (method === 'GET' && path === base) return { status: 200, body: { full_name: `${owner}/${repo}`, default_branch: 'main' } };
    const fields = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && path === `${base}/issues`) {
      const number = Math.max(0, ...issues.keys(), ...pulls.map((p) => p.number)) + 1;
      const issue = addIssue({ number, title: String(fields.title ?? ''), body: String(fields.body ?? '') });
      return { status: 201, body: issueJson(issue) };
    }
    if (method === 'GET' && path === `${base}/pulls`) {
      // GitHub's defaults: open pull requests only, newest first.
      const head = url.searchParams.get('head');
      const state = url.searchParams.get('state') ?? 'open';
      const listed = pulls.filter(
        (pull) => (head === null || `${owner}:${pull.head}` === head) && (state === 'all' || pull.state === state),
      );
      return { status: 200, body: listed.reverse().map(pullJson) };
    }
    if (method === 'POST' && path === `${base}/pulls`) {
      // GitHub refuses a second open pull request for one head; closed ones do not count.
      if (pulls.some((pull) => pull.head === fields.head && pull.state === 'open')) {
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ message: `A pull request already exists for ${owner}:${String(fields.head)}.` }],
          },
        };
      }
      const number = Math.max(0, ...issues.keys(), ...pulls.map((p) => p.number)) + 1;
      const pull: Pull = {
        number,
        title: String(fields.title),
        body: String(fields.body ?? ''),
        head: String(fields.head),
        base: String(fields.base),
        state: 'open',
        merged_at: null,
      };
      pulls.push(pull);
      return { status: 201, body: pullJson(pull) };
    }
    const issuePath = new RegExp(`^${base}/issues/(\\d+)(/sub_issues|/comments)?$`).exec(path);
    const issue = issuePath ? issues.get(Number(issuePath[1])) : undefined;
    if (!issuePath || !issue) return notFound;
    const tail = issuePath[2];
    if (method === 'GET' && tail === undefined) return { status: 200, body: issueJson(issue) };
    if (method === 'GET' && tail === '/comments') return { status: 200, body: issue.comments };
    if (method === 'POST' && tail === '/comments') {
      const comment = {
        id: nextId++,
        body: String(fields.body ?? ''),
        user: { login: 'scripted-user' },
        author_association: 'OWNER',
        created_at: new Date().toISOString(),
      };
      issue.comments.push(comment);
      return { status: 201, body: comment };
    }
    if (method === 'POST' && tail === '/sub_issues') {
      const child = [...issues.values()].find((candidate) => candidate.id === Number(fields.sub_issue_id));
      if (!child) return { status: 422, body: { message: 'Validation Failed' } };
      issue.subIssues.push(child.number);
      return { status: 201, body: issueJson(issue) };
    }
    if (method === 'GET' && tail === '/sub_issues') {
      const perPage = Math.min(pageSize, Number(url.searchParams.get('per_page') ?? pageSize));
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = issue.subIssues.map((number) => issueJson(issues.get(number)!));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        headers.link = `<${HOST}${path}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
      }
      return { status: 200, body: slice, headers };
    }
    return notFound;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', HOST);
    const method = request.method ?? 'GET';
    const body = await readJson(request);
    const answer = ((): Answer => {
      if (request.headers.authorization !== `token ${token}`) {
        return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
      }
      const fault = faults.find(
        (candidate) => candidate.method === method && candidate.path.test(url.pathname) && (candidate.times ?? 1) > 0,
      );
      if (fault) {
        if (fault.times !== undefined) fault.times -= 1;
        return { status: fault.status, body: { message: fault.message }, headers: { ...fault.headers } };
      }
      return route(method, url, body);
    })();
    requests.push({ method, path: `${url.pathname}${url.search}`, body, status: answer.status });
    const head = (body as Record<string, unknown> | undefined)?.head;
    if (method === 'POST' && answer.status === 201 && typeof head === 'string' && heldHeads.delete(head)) return;
    response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    proxyUrl,
    owner,
    repo,
    requests,
    env: (configDir) => ({
      GH_HOST: 'github.localhost',
      GH_TOKEN: token,
      GH_CONFIG_DIR: configDir,
      GITHUB_REPOSITORY: `${owner}/${repo}`,
      HTTP_PROXY: proxyUrl,
      http_proxy: proxyUrl,
      HTTPS_PROXY: '',
      https_proxy: '',
      // Everything else on 127.0.0.1 (a scripted Messages API) is reached directly.
      NO_PROXY: '127.0.0.1',
      no_proxy: '127.0.0.1',
      GH_PROMPT_DISABLED: '1',
      GH_NO_UPDATE_NOTIFIER: '1',
    }),
    addFault: (fault) => faults.push(fault),
    holdPullCreation: (head) => heldHeads.add(head),
    closePull: (number, closing = {}) => {
      const pull = pulls.find((candidate) => candidate.number === number);
      if (!pull) throw new Error(`the scripted GitHub has no pull request #${number}`);
      Object.assign(pull, { state: 'closed', merged_at: closing.merged ? new Date().toISOString() : null });
    },
    addComment: (number, comment) => {
      issues.get(number)!.comments.push({
        id: nextId++,
        body: comment.body,
        user: { login: comment.login },
        author_association: comment.association,
        created_at: new Date().toISOString(),
      });
    },
    issue: (number) => issues.get(number),
    subIssuesOf: (number) => [...(issues.get(number)?.subIssues ?? [])],
    pulls: () => pulls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
