import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { resolveSettings } from '../../src/core/settings.js';
import { openQueueBackend } from '../../src/queue/open-backend.js';
import { PAGE_HTML } from '../../src/web/page-html.js';
import { pageScript } from '../../src/web/page-script.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { itWith } from '../helpers/requires.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';

interface Family {
  readonly name: string;
  readonly metrics: { readonly value?: string; readonly labels?: Record<string, string>; readonly count?: string; readonly sum?: string }[];
}
const parseProm = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];
const FIXTURE = fileURLToPath(new URL('../fixtures/performance/basic', import.meta.url));

function fixtureRoot(): string {
  const home = makeTempDir('hw-serve-');
  cpSync(FIXTURE, home, { recursive: true });
  return home;
}

const TOKEN = 'correct-horse-battery-staple';

// The built worker-performance (dist/) serving a private data root on 127.0.0.1. `npm run build` first.
describe('worker-performance serve', () => {
  itWith(['promtool'], '/metrics passes promtool check metrics and agrees with report --json', async () => {
    const home = fixtureRoot();
    const { url } = await startDashboard(home);
    const text = await (await fetch(`${url}metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    const report = JSON.parse(
      (await runBin('worker-performance', ['report', '--json'], { home, env: { WORKER_BACKEND: 'embedded' } })).stdout,
    );
    const families = new Map(parseProm(text).map((family) => [family.name, family]));
    const sample = (name: string, labels: Record<string, string> = {}) =>
      Number(
        families.get(name)!.metrics.find((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value))!.value,
      );
    for (const row of report.workers) {
      expect(sample('hybrid_workers_tasks_total', { worker: String(row.id), result: 'succeeded' })).toBe(row.succeeded);
      expect(sample('hybrid_workers_tasks_total', { worker: String(row.id), result: 'failed' })).toBe(row.failed);
      expect(sample('hybrid_workers_worker_restarts_total', { worker: String(row.id) })).toBe(row.restarts);
      expect(sample('hybrid_workers_worker_state', { worker: String(row.id), state: row.health })).toBe(1);
    }
    const histogram = families.get('hybrid_workers_task_duration_seconds')!.metrics[0]!;
    expect(Number(histogram.count)).toBe(report.duration_histogram.count);
    expect(Number(histogram.sum)).toBeCloseTo(report.duration_histogram.sum_s, 3);
    expect(sample('hybrid_workers_queue_tasks', { state: 'pending' })).toBe(report.queue.pending);
    expect(sample('hybrid_workers_pool_paused')).toBe(0);
    expect(families.get('hybrid_workers_worker_heartbeat_age_seconds')!.metrics.length).toBeGreaterThan(0);
    // The names an export writes are all here.
    const exported = (
      await runBin('worker-performance', ['export', '-', '--format', 'prom'], { home, env: { WORKER_BACKEND: 'embedded' } })
    ).stdout;
    for (const family of parseProm(exported)) expect(families.has(family.name)).toBe(true);
    expect((await fetch(`${url}healthz`)).status).toBe(200);
  });

  it('serves the page, and as its script src/web/browser/page.ts bundled as the sources bundle it', async () => {
    const { url } = await startDashboard(makeTempDir());
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe(PAGE_HTML);
    const script = await fetch(`${url}assets/dashboard.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const served = await script.text();
    expect(served).toMatch(/^"use strict";\n\(\(\) => \{\n/);
    // Not the same: scripts/build.mjs bundles page.ts otherwise than page-script.ts does, or dist/ is stale.
    expect(served).toBe(pageScript());
  });

  it('refuses a non-loopback address without a token, and actions without one', async () => {
    const home = makeTempDir();
    const open = await runBin('worker-performance', ['serve', '--host', '0.0.0.0', '--port', '0'], {
      home,
      env: { WORKERS_DASHBOARD_TOKEN: '' },
    });
    expect(open.exitCode).toBe(2);
    expect(open.stderr).toBe('worker-performance: Serving on 0.0.0.0 (not loopback) needs a token: set WORKERS_DASHBOARD_TOKEN.');
    const actions = await runBin('worker-performance', ['serve', '--port', '0', '--allow-actions'], {
      home,
      env: { WORKERS_DASHBOARD_TOKEN: '' },
    });
    expect(actions.exitCode).toBe(2);
    expect(actions.stderr).toMatch(/--allow-actions needs a token/);
  });

  it('without a token: answers only a loopback Host (no DNS rebinding) and only the data root owner; the favicon is a 204', async () => {
    const home = fixtureRoot();
    const { url } = await startDashboard(home, [], { WORKERS_DASHBOARD_TOKEN: '' });
    const curl = (args: string[], asUser?: string) => {
      const argv = ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', ...args];
      const result = spawnSync(
        asUser === undefined ? argv[0]! : 'runuser',
        asUser === undefined ? argv.slice(1) : ['-u', asUser, '--', ...argv],
        {
          encoding: 'utf8',
          timeout: 10_000,
        },
      );
      return result.stdout;
    };
    expect(curl([`${url}api/state`])).toBe('200');
    expect(curl(['-H', 'Host: localhost', `${url}api/state`])).toBe('200');
    expect(curl(['-H', 'Host: attacker.example', `${url}api/state`])).toBe('421');
    expect(curl(['-H', 'Host: attacker.example:80', `${url}`])).toBe('421');
    expect(curl([`${url}favicon.ico`])).toBe('204');
    if (process.getuid?.() === 0) {
      // Another local user, who cannot read the 0700 data root, cannot read the page either.
      chmodSync(home, 0o700);
      expect(curl([`${url}api/state`], 'nobody')).toBe('403');
    }
  });

  it("/api/state: a worker's latest error, a given-up worker's reason, gave-up counted apart from dead, an unknown cost as null", async () => {
    const home = fixtureRoot();
    mkdirSync(join(home, 'errors'), { recursive: true });
    writeFileSync(
      join(home, 'errors', 'worker-1.log'),
      '[2026-11-26T09:00:00.000Z] task 1101: GitHub has no issue #9 (HTTP 404)\n[2026-11-27T10:00:00.000Z] task 1102: agent_error: exit 1\n',
    );
    writeFileSync(join(home, 'errors', 'worker-2.log'), '[2026-11-26T09:00:00.000Z] task 1201: GitHub has no issue #9 (HTTP 404)\n');
    mkdirSync(join(home, 'manager'), { recursive: true });
    writeFileSync(
      join(home, 'manager', 'state.json'),
      JSON.stringify({ version: 1, pool_size: 6, workers: { '2': { gave_up: true, last_reason: 'exited 5 times in 10 min' } } }),
    );
    const { url } = await startDashboard(home, [], { WORKERS_DASHBOARD_TOKEN: '' });
    const state = (await (await fetch(`${url}api/state`)).json()) as {
      workers: { id: number; health: string; last_error: string | null; last_error_at: string | null; cost_usd: number | null }[];
      worker_counts: Record<string, number>;
    };
    const worker = (id: number) => state.workers.find((row) => row.id === id)!;
    expect(worker(1)).toMatchObject({
      last_error: '[2026-11-27T10:00:00.000Z] task 1102: agent_error: exit 1',
      last_error_at: '2026-11-27T10:00:00.000Z',
    });
    expect(worker(2)).toMatchObject({ health: 'gave-up', last_error: 'Gave up: exited 5 times in 10 min', last_error_at: null });
    // Worker 6's one task reported no cost (a command agent): unknown, not $0.00.
    expect(worker(6).cost_usd).toBeNull();
    expect(worker(1).cost_usd).toBeGreaterThan(0);
    const dead = state.workers.filter((row) => row.health === 'dead').length;
    expect(state.worker_counts).toMatchObject({ gave_up: 1, dead });
  });

  it("/api/state names a worker's task as references do: an earlier task of its sub-issue as 1234~1", async () => {
    const home = fixtureRoot();
    const settings = resolveSettings({}, { WORKER_BACKEND: 'embedded' });
    const { backend } = await openQueueBackend({ paths: dataPaths(home), settings, env: { WORKER_BACKEND: 'embedded' } });
    await backend.add({ subissue: '1234', parent: '1', priority: 1, repo: 'acme/widgets' });
    await backend.claim(1);
    // A deliberate second run of the sub-issue, queued while worker 1 works the first: that one is now the earlier task.
    await backend.add({ subissue: '1234', parent: '1', priority: 1, repo: 'acme/widgets' }, { force: true });
    const { url } = await startDashboard(home, [], { WORKERS_DASHBOARD_TOKEN: '' });
    const state = (await (await fetch(`${url}api/state`)).json()) as { workers: { id: number; task: string }[] };
    expect(state.workers.find((row) => row.id === 1)?.task).toBe('1234~1');
  });

  it('stops on SIGTERM at once although a client holds half a request', async () => {
    const dashboard = await startDashboard(fixtureRoot(), [], { WORKERS_DASHBOARD_TOKEN: '' });
    const { hostname, port } = new URL(dashboard.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/state HTTP/1.1\r\nHost: ${hostname}\r\n`);
    socket.on('error', () => undefined);
    const started = Date.now();
    await dashboard.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    socket.destroy();
  });

  it('with a token: 401 without or with a wrong one; a ?token= link sets an HttpOnly cookie and drops the token from the address', async () => {
    const home = fixtureRoot();
    const { url } = await startDashboard(home, [], { WORKERS_DASHBOARD_TOKEN: TOKEN });
    for (const path of ['', 'api/state', 'metrics', 'events']) {
      expect((await fetch(`${url}${path}`)).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { cookie: 'hw_dashboard_token=wrong' } })).status).toBe(401);
    }
    expect((await fetch(`${url}?token=wrong`, { redirect: 'manual' })).status).toBe(401);
    const link = await fetch(`${url}api/state?token=${TOKEN}&x=1`, { redirect: 'manual' });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/api/state?x=1');
    const cookie = link.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^hw_dashboard_token=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const withCookie = await fetch(`${url}api/state`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(((await withCookie.json()) as { report: { workers: unknown[] } }).report.workers.length).toBeGreaterThan(0);
    expect((await fetch(`${url}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // Read-only by default, whatever the token.
    const action = await fetch(`${url}api/actions/resume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, origin: url.slice(0, -1) },
    });
    expect(action.status).toBe(403);
    expect(await action.text()).toMatch(/--allow-actions/);
  });

  it('actions: only by POST with the token and this server as Origin; no path escapes the assets', async () => {
    const home = makeTempDir();
    const { url } = await startDashboard(home, ['--allow-actions'], { WORKERS_DASHBOARD_TOKEN: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const origin = url.slice(0, -1);
    expect((await fetch(`${url}api/actions/resume`, { method: 'POST', headers: { ...auth, origin: 'http://evil.example' } })).status).toBe(
      403,
    );
    expect((await fetch(`${url}api/actions/resume`, { method: 'POST', headers: auth })).status).toBe(403);
    expect((await fetch(`${url}api/actions/resume`, { method: 'POST', headers: { origin } })).status).toBe(401);
    expect((await fetch(`${url}api/actions/resume`, { headers: { ...auth, origin } })).status).toBe(405);
    const resumed = await fetch(`${url}api/actions/resume`, { method: 'POST', headers: { ...auth, origin } });
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toBe('The pool was not paused.\n');
    // retry by sub-issue, as the page's recent-tasks list names it
    const queue = (
      await openQueueBackend({ paths: dataPaths(home), settings: resolveSettings({}, { WORKER_BACKEND: 'embedded' }), env: {} })
    ).backend;
    const task = await queue.add({ subissue: '456', parent: '123', priority: 1 });
    await queue.claim(1);
    await queue.finish(task.id, { status: 'failed', error: 'boom' });
    const retried = await fetch(`${url}api/actions/retry`, { method: 'POST', headers: { ...auth, origin }, body: '{"task":"456"}' });
    expect(await retried.text()).toBe('#456 (repository unknown, id:1) is back in the queue.\n');
    expect((await queue.get(task.id))!.status).toBe('queued');
    expect((await fetch(`${url}api/actions/retry`, { method: 'POST', headers: { ...auth, origin }, body: '{"task":"999"}' })).status).toBe(
      409,
    );
    const bad = await fetch(`${url}api/actions/restart`, { method: 'POST', headers: { ...auth, origin }, body: '{"worker":"1;rm"}' });
    expect(bad.status).toBe(400);
    for (const path of [
      'assets/..%2f..%2fpackage.json',
      'assets/%2e%2e/%2e%2e/package.json',
      '..%2fpackage.json',
      'assets/..%5c..%5cpackage.json',
    ]) {
      const response = await fetch(`${url}${path}`, { headers: auth });
      expect(response.status, path).toBe(404);
    }
  });

  it('actions act only on the task named: "1" is sub-issue 1, never queue id 1; a state an action does not apply to is refused', async () => {
    const home = makeTempDir();
    const { url } = await startDashboard(home, ['--allow-actions'], { WORKERS_DASHBOARD_TOKEN: TOKEN });
    const headers = { authorization: `Bearer ${TOKEN}`, origin: url.slice(0, -1) };
    const queue = (
      await openQueueBackend({ paths: dataPaths(home), settings: resolveSettings({}, { WORKER_BACKEND: 'embedded' }), env: {} })
    ).backend;
    // Queue id 1 is sub-issue 2 (done), queue id 2 is sub-issue 1 (failed).
    const two = await queue.add({ subissue: '2', parent: '9', priority: 1 });
    const one = await queue.add({ subissue: '1', parent: '9', priority: 2 });
    await queue.claim(1);
    await queue.finish(two.id, { status: 'done' });
    await queue.claim(2);
    await queue.finish(one.id, { status: 'failed', error: 'boom' });
    const post = (action: string, task: string) =>
      fetch(`${url}api/actions/${action}`, { method: 'POST', headers, body: JSON.stringify({ task }) });

    const killed = await post('kill', '1');
    expect(killed.status).toBe(409);
    expect(await killed.text()).toBe(
      '#1 (repository unknown, id:2) is failed with no run in progress; only a running task can be killed (worker-queue remove deletes one that is not running).\n',
    );
    const retried = await post('retry', '1');
    expect(await retried.text()).toBe('#1 (repository unknown, id:2) is back in the queue.\n');
    expect((await queue.get(one.id))!.status).toBe('queued');
    expect((await queue.get(two.id))!.status).toBe('done');
    const again = await post('retry', '1');
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(
      /^#1 \(repository unknown, id:2\) is queued; only done, failed, review or cancelled tasks can be retried\.\n$/,
    );
    expect(await (await post('retry', 'id:1')).text()).toBe('#2 (repository unknown, id:1) is back in the queue.\n');
  });
});
