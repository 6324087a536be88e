import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mergeInOrigin, originView } from './origin-mergeability.js';

/*
 * A scripted GitHub REST API on 127.0.0.1 for the real `gh` CLI. gh sends plain HTTP to
 * api.github.localhost when GH_HOST=github.localhost and goes through HTTP_PROXY, so requests
 * arrive in proxy form (`GET http://api.github.localhost/repos/o/r/...`): the path is taken from
 * the absolute URL. One repository, in memory: issues, sub-issues, comments, pull requests with
 * their reviews, mergeability and merged/closed state, and the check runs and commit statuses of
 * their head commits. Every GET answer carries an ETag; a request whose If-None-Match names it gets
 * 304 with no body, and (as on GitHub) only answers other than 304 count against the rate limit.
 * PUT pulls/{n}/merge merges into the bare origin when the test gave one (GithubApiOptions.origin).
 */

export interface ScriptedIssue {
  readonly number: number;
  readonly title: string;
  readonly body?: string;
  readonly state?: 'open' | 'closed';
  readonly labels?: readonly string[];
  /** The parent's number: this issue is one of its sub-issues (in the order given). */
  readonly parent?: number;
  /** The issues that block this one (GitHub's issue dependencies), in this repository. */
  readonly blockedBy?: readonly number[];
}

export interface RecordedGithubRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  /** The If-None-Match header the request carried. */
  readonly ifNoneMatch: string | undefined;
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
  blockedBy: number[];
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
  merged: boolean;
  draft: boolean;
  /** null: GitHub is still computing it. */
  mergeable: boolean | null;
  mergeable_state: string;
  /** The head commit's SHA (made up unless given): check runs and statuses hang on it. */
  sha: string;
  updated_at: string;
  created_at?: string;
  closed_at?: string | null;
}

export interface ScriptedCheckRun {
  readonly name: string;
  readonly status?: 'queued' | 'in_progress' | 'completed';
  readonly conclusion?: string | null;
  readonly title?: string;
  readonly summary?: string;
  /** The job's log, served at actions/jobs/{id}/logs. */
  readonly log?: string;
  /**
   * What a re-run (POST check-runs/{id}/rerequest) makes of it: a flaky test's success, say.
   * Absent: it fails the same way again. `false`: the token may not re-run it (403).
   */
  readonly onRerun?: Partial<Omit<ScriptedCheckRun, 'onRerun'>> | false;
}

export interface ScriptedReview {
  readonly login: string;
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  /** OWNER, MEMBER, COLLABORATOR have write access; CONTRIBUTOR, NONE do not. */
  readonly association: string;
  readonly body?: string;
  /** Its inline comments (GET pulls/{n}/comments), by the reviewer. */
  readonly comments?: readonly { readonly path: string; readonly line: number; readonly body: string }[];
}

export type PullChange = Partial<Pick<Pull, 'state' | 'merged' | 'draft' | 'mergeable' | 'mergeable_state' | 'sha'>>;

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
  /** Opens a pull request for `head` as if a worker had (no request is recorded). */
  openPull(pull: { readonly head: string; readonly base?: string; readonly title?: string; readonly draft?: boolean }): Pull;
  changePull(number: number, change: PullChange): void;
  /** A check run on the pull request's current head commit; returns its id (also its job's id). */
  addCheckRun(number: number, run: ScriptedCheckRun): number;
  changeCheckRun(id: number, change: Partial<ScriptedCheckRun>): void;
  addStatus(number: number, status: { readonly context: string; readonly state: string; readonly description?: string }): void;
  addReview(number: number, review: ScriptedReview): void;
  /**
   * From now on a pull request's head commit is its branch's tip in the bare repository `origin`
   * (a push moves it); `onNewHead` runs for each head when first seen, e.g. to add its check runs.
   */
  followOrigin(origin: string, onNewHead: (pull: { readonly number: number; readonly head: string; readonly sha: string }) => void): void;
  /**
   * From now on each open pull request's head commit and mergeability come from this bare
   * repository (git merge-tree), not from hand-set values; `requireUpToDate` is branch protection's
   * "require branches to be up to date" (a base that moved on makes it `behind`).
   */
  useOrigin(origin: string, options?: { readonly requireUpToDate?: boolean }): void;
  /** Merges pull request `number` into its base in the origin, as PUT pulls/{n}/merge does; false on a conflict. */
  mergePull(number: number): boolean;
  /** How many answers counted against the rate limit (every answer but a 304). */
  rateLimitUsed(): number;
  close(): Promise<void>;
}

export interface GithubApiOptions {
  readonly owner?: string;
  readonly repo?: string;
  readonly issues?: readonly ScriptedIssue[];
  /** Sub-issues per page unless the request asks for fewer (to exercise pagination). */
  readonly pageSize?: number;
  readonly token?: string;
  /**
   * A bare repository standing for the GitHub repository: a merge through the API (PUT
   * pulls/{n}/merge) really merges (or squashes) the head branch into the base there. Absent: a
   * merge only marks the pull request merged.
   */
  readonly origin?: string;
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
  type CheckRun = ScriptedCheckRun & { id: number; sha: string };
  const checkRuns: CheckRun[] = [];
  const statuses: { sha: string; context: string; state: string; description: string; id: number }[] = [];
  const reviews = new Map<
    number,
    { id: number; user: { login: string }; state: string; author_association: string; body: string; submitted_at: string }[]
  >();
  const reviewComments = new Map<number, Record<string, unknown>[]>();
  /** The bare repository pull requests follow (followOrigin, useOrigin). */
  let origin: { path: string; requireUpToDate: boolean; onNewHead?: Parameters<GithubApi['followOrigin']>[1] } | undefined;
  /** With an origin followed, an open pull request's head is its branch's tip there. */
  const syncHead = (pull: Pull) => {
    if (origin?.onNewHead === undefined || pull.state !== 'open') return;
    let sha = '';
    try {
      sha = execFileSync('git', ['-C', origin.path, 'rev-parse', '--verify', '-q', `refs/heads/${pull.head}`], { encoding: 'utf8' }).trim();
    } catch {
      return;
    }
    if (sha === '' || sha === pull.sha) return;
    Object.assign(pull, { sha, updated_at: stamp() });
    origin.onNewHead({ number: pull.number, head: pull.head, sha });
  };
  let rateLimitUsed = 0;
  let nextId = 9000;
  // Strictly increasing, so an update is always a new updated_at (and a new ETag).
  let tick = Date.parse('2030-01-01T00:00:00Z');
  const stamp = () => new Date((tick += 1000)).toISOString();
  const addIssue = (spec: ScriptedIssue): Issue => {
    const issue: Issue = {
      number: spec.number,
      id: nextId++,
      title: spec.title,
      body: spec.body ?? '',
      state: spec.state ?? 'open',
      labels: [...(spec.labels ?? [])],
      subIssues: [],
      blockedBy: [...(spec.blockedBy ?? [])],
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
    repository_url: `${HOST}/repos/${owner}/${repo}`,
  });
  /** GitHub's subject for the commit a merge makes: a merge commit names the branch, a squash or rebase the title. */
  const mergeMessage = (pull: Pull, method: string) =>
    method === 'merge' ? `Merge pull request #${pull.number} from ${owner}/${pull.head}` : `${pull.title} (#${pull.number})`;
  /** With an origin: the head and mergeability as the repository has them now. */
  const refresh = (pull: Pull) => {
    syncHead(pull);
    const view = origin && pull.state === 'open' ? originView(origin.path, pull.base, pull.head, origin.requireUpToDate) : undefined;
    if (!view || (view.sha === pull.sha && view.mergeable === pull.mergeable && view.mergeable_state === pull.mergeable_state)) return;
    Object.assign(pull, view, { updated_at: stamp() });
  };
  const merge = (pull: Pull): boolean => {
    refresh(pull);
    if (!origin || pull.state !== 'open' || !mergeInOrigin(origin.path, pull.base, pull.head, mergeMessage(pull, 'merge'))) return false;
    close(pull, true);
    return true;
  };
  const pullJson = (pull: Pull) => ({
    number: pull.number,
    title: pull.title,
    body: pull.body,
    state: pull.state,
    merged_at: pull.merged_at,
    merged: pull.merged,
    draft: pull.draft,
    mergeable: pull.state === 'open' ? pull.mergeable : null,
    mergeable_state: pull.mergeable_state,
    updated_at: pull.updated_at,
    created_at: pull.created_at ?? pull.updated_at,
    closed_at: pull.closed_at ?? null,
    html_url: `https://github.localhost/${owner}/${repo}/pull/${pull.number}`,
    head: { ref: pull.head, label: `${owner}:${pull.head}`, sha: pull.sha },
    base: { ref: pull.base, sha: 'b'.repeat(40) },
  });
  const newPull = (fields: { head: string; base?: string; title?: string; body?: string; draft?: boolean }): Pull => {
    const number = Math.max(0, ...issues.keys(), ...pulls.map((p) => p.number)) + 1;
    const pull: Pull = {
      number,
      title: fields.title ?? `Pull request for ${fields.head}`,
      body: fields.body ?? '',
      head: fields.head,
      base: fields.base ?? 'main',
      state: 'open',
      merged: false,
      merged_at: null,
      draft: fields.draft ?? false,
      mergeable: true,
      mergeable_state: 'clean',
      sha: createHash('sha1').update(`${fields.head}#${number}`).digest('hex'),
      updated_at: stamp(),
      created_at: new Date().toISOString(),
    };
    pulls.push(pull);
    syncHead(pull);
    return pull;
  };
  const pullOf = (number: number): Pull => {
    const pull = pulls.find((candidate) => candidate.number === number);
    if (!pull) throw new Error(`the scripted GitHub has no pull request #${number}`);
    refresh(pull);
    return pull;
  };
  const checkRunJson = (run: CheckRun) => ({
    id: run.id,
    name: run.name,
    head_sha: run.sha,
    status: run.status ?? 'completed',
    conclusion: (run.status ?? 'completed') === 'completed' ? (run.conclusion ?? 'success') : null,
    details_url: `https://github.localhost/${owner}/${repo}/actions/runs/1/job/${run.id}`,
    output: { title: run.title ?? null, summary: run.summary ?? null },
  });

  const close = (pull: Pull, merged: boolean) => {
    Object.assign(pull, { state: 'closed', merged, merged_at: merged ? new Date().toISOString() : null, updated_at: stamp() });
    pull.closed_at = new Date().toISOString();
    // As GitHub does when a pull request merges into the default branch: "Closes #N" closes #N.
    if (merged && pull.base === 'main')
      for (const match of pull.body.matchAll(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?) #(\d+)/gi)) {
        const closed = issues.get(Number(match[1]));
        if (closed) closed.state = 'closed';
      }
  };
  /** The merge in the bare origin, as GitHub makes it: a merge commit, or one commit on the base (squash, rebase); null on a conflict. */
  /** The bare origin a merge through the API lands in: the option, else the one useOrigin named. */
  const originPath = () => options.origin ?? origin?.path;
  const mergeViaApi = (pull: Pull, method: string): string | null => {
    const origin = originPath()!;
    const run = (...args: string[]) =>
      execFileSync('git', args, { cwd: origin, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    const baseSha = run('rev-parse', `refs/heads/${pull.base}`);
    let headSha: string;
    try {
      headSha = run('rev-parse', '--verify', '-q', `refs/heads/${pull.head}`);
    } catch {
      // A pull request the test opened without pushing its branch: only marked merged.
      return createHash('sha1').update(`merge#${pull.number}`).digest('hex');
    }
    let tree: string;
    try {
      tree = run('merge-tree', '--write-tree', baseSha, headSha).split('\n')[0]!;
    } catch {
      return null;
    }
    const parents = method === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
    const env = { ...process.env, GIT_AUTHOR_NAME: 'GitHub', GIT_AUTHOR_EMAIL: 'noreply@github.localhost' };
    const commit = execFileSync('git', ['commit-tree', tree, ...parents, '-m', mergeMessage(pull, method)], {
      cwd: origin,
      encoding: 'utf8',
      env: { ...env, GIT_COMMITTER_NAME: 'GitHub', GIT_COMMITTER_EMAIL: 'noreply@github.localhost' },
    }).trim();
    run('update-ref', `refs/heads/${pull.base}`, commit, baseSha);
    return commit;
  };

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
  const notFound: Answer = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };

  function route(method: string, url: URL, body: unknown): Answer {
    const path = url.pathname;
    for (const open of pulls) refresh(open);
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
      pulls.forEach(syncHead);
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
      const pull = newPull({
        head: String(fields.head),
        base: String(fields.base),
        title: String(fields.title),
        body: String(fields.body ?? ''),
        draft: fields.draft === true,
      });
      return { status: 201, body: pullJson(pull) };
    }
    const mergePath = new RegExp(`^${base}/pulls/(\\d+)/merge$`).exec(path);
    const merging = mergePath ? pulls.find((candidate) => candidate.number === Number(mergePath[1])) : undefined;
    if (method === 'PUT' && merging) {
      refresh(merging);
      const refused = { status: 405, body: { message: 'Pull Request is not mergeable' } };
      if (merging.state !== 'open' || merging.mergeable === false || merging.draft) return refused;
      if (typeof fields.sha === 'string' && fields.sha !== merging.sha)
        return { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } };
      const method = String(fields.merge_method ?? 'merge');
      const sha =
        originPath() === undefined ? createHash('sha1').update(`merge#${merging.number}`).digest('hex') : mergeViaApi(merging, method);
      if (sha === null) return refused;
      close(merging, true);
      return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
    }
    const pullPath = new RegExp(`^${base}/pulls/(\\d+)(/reviews|/comments)?$`).exec(path);
    const pull = pullPath ? pulls.find((candidate) => candidate.number === Number(pullPath[1])) : undefined;
    if (pull) syncHead(pull);
    if (method === 'GET' && pull && pullPath?.[2] === undefined) return { status: 200, body: pullJson(pull) };
    if (method === 'GET' && pull && pullPath?.[2] === '/reviews') return { status: 200, body: reviews.get(pull.number) ?? [] };
    if (method === 'GET' && pull && pullPath?.[2] === '/comments') return { status: 200, body: reviewComments.get(pull.number) ?? [] };
    if (method === 'PATCH' && pull && pullPath?.[2] === undefined) {
      // Only the base is scripted (a stacked pull request retargeted after its blocker merged).
      if (typeof fields.base === 'string') pull.base = fields.base;
      pull.updated_at = stamp();
      return { status: 200, body: pullJson(pull) };
    }
    const commitPath = new RegExp(`^${base}/commits/([0-9a-f]{40})/(check-runs|status)$`).exec(path);
    if (method === 'GET' && commitPath?.[2] === 'check-runs') {
      const runs = checkRuns.filter((run) => run.sha === commitPath[1]).map(checkRunJson);
      return { status: 200, body: { total_count: runs.length, check_runs: runs } };
    }
    if (method === 'GET' && commitPath?.[2] === 'status') {
      const all = statuses.filter((status) => status.sha === commitPath[1]).reverse();
      const states = all.map((status) => status.state);
      const state = states.some((s) => s === 'failure' || s === 'error')
        ? 'failure'
        : states.some((s) => s === 'pending') || all.length === 0
          ? 'pending'
          : 'success';
      return { status: 200, body: { state, sha: commitPath[1], total_count: all.length, statuses: all } };
    }
    const rerequest = new RegExp(`^${base}/check-runs/(\\d+)/rerequest$`).exec(path);
    const rerun = rerequest ? checkRuns.find((run) => run.id === Number(rerequest[1])) : undefined;
    if (method === 'POST' && rerun) {
      if (rerun.onRerun === false) return { status: 403, body: { message: 'Resource not accessible by integration' } };
      Object.assign(rerun, rerun.onRerun ?? {});
      return { status: 201, body: {} };
    }
    const jobLog = new RegExp(`^${base}/actions/jobs/(\\d+)/logs$`).exec(path);
    const job = jobLog ? checkRuns.find((run) => run.id === Number(jobLog[1])) : undefined;
    if (method === 'GET' && job) return { status: 200, body: job.log ?? '', headers: { 'content-type': 'text/plain' } };
    const issuePath = new RegExp(`^${base}/issues/(\\d+)(/sub_issues|/comments|/dependencies/blocked_by)?$`).exec(path);
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
    if (method === 'GET' && (tail === '/sub_issues' || tail === '/dependencies/blocked_by')) {
      const perPage = Math.min(pageSize, Number(url.searchParams.get('per_page') ?? pageSize));
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = (tail === '/sub_issues' ? issue.subIssues : issue.blockedBy).map((number) => issueJson(issues.get(number)!));
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
    const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const ifNoneMatch = request.headers['if-none-match'];
    const etag = method === 'GET' && answer.status === 200 ? `W/"${createHash('sha1').update(text).digest('hex')}"` : undefined;
    const notModified = etag !== undefined && ifNoneMatch === etag;
    const status = notModified ? 304 : answer.status;
    if (status !== 304 && answer.status !== 401) rateLimitUsed += 1;
    requests.push({ method, path: `${url.pathname}${url.search}`, body, status, ifNoneMatch });
    const head = (body as Record<string, unknown> | undefined)?.head;
    if (method === 'POST' && answer.status === 201 && typeof head === 'string' && heldHeads.delete(head)) return;
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - rateLimitUsed)),
      ...(etag === undefined ? {} : { etag }),
      ...answer.headers,
    };
    response.writeHead(status, headers);
    response.end(notModified ? '' : text);
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
      close(pull, closing.merged ?? false);
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
    pulls: () => {
      for (const open of pulls) refresh(open);
      return pulls;
    },
    openPull: (fields) => newPull(fields),
    changePull: (number, change) => {
      Object.assign(pullOf(number), change, { updated_at: stamp() });
    },
    addCheckRun: (number, run) => {
      const id = nextId++;
      checkRuns.push({ ...run, id, sha: pullOf(number).sha });
      return id;
    },
    changeCheckRun: (id, change) => {
      const run = checkRuns.find((candidate) => candidate.id === id);
      if (!run) throw new Error(`the scripted GitHub has no check run ${id}`);
      Object.assign(run, change);
    },
    addStatus: (number, status) => {
      statuses.push({
        sha: pullOf(number).sha,
        context: status.context,
        state: status.state,
        description: status.description ?? '',
        id: nextId++,
      });
    },
    addReview: (number, review) => {
      const pull = pullOf(number);
      const list = reviews.get(number) ?? [];
      const id = nextId++;
      const inline = reviewComments.get(number) ?? [];
      for (const comment of review.comments ?? [])
        inline.push({
          id: nextId++,
          pull_request_review_id: id,
          path: comment.path,
          line: comment.line,
          original_line: comment.line,
          body: comment.body,
          user: { login: review.login },
          author_association: review.association,
          commit_id: pull.sha,
        });
      reviewComments.set(number, inline);
      list.push({
        id,
        user: { login: review.login },
        state: review.state,
        author_association: review.association,
        body: review.body ?? '',
        submitted_at: stamp(),
      });
      reviews.set(number, list);
      pull.updated_at = stamp();
    },
    followOrigin: (path, onNewHead) => {
      origin = { path, requireUpToDate: origin?.requireUpToDate ?? false, onNewHead };
    },
    useOrigin: (path, options = {}) => {
      origin = { path, requireUpToDate: options.requireUpToDate ?? false, ...(origin?.onNewHead ? { onNewHead: origin.onNewHead } : {}) };
    },
    mergePull: (number) => merge(pullOf(number)),
    rateLimitUsed: () => rateLimitUsed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
