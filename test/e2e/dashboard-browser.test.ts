import { execa, type ResultPromise } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { managerStateFile } from '../../src/health/manager-state.js';
import { openPullWatchStore } from '../../src/github/pull-request-watcher.js';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { writePullHistory } from '../helpers/github-api/pull-history.js';
import { describeWith } from '../helpers/requires.js';
import { binPath, REPO_ROOT, runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
import { watchedPull } from '../helpers/watched-pull.js';
import { makeWorkerBench } from '../helpers/worker-harness.js';

/** Debian's chromium (scripts/install-system-deps.sh installs it); never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
/** The page's promise: a change shows within 2 s over SSE. The waits below allow for this shared machine. */
const SSE_BOUND_MS = 2000;

const children: ResultPromise[] = [];
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.catch(() => undefined);
  }
});

const spawnBin = (name: string, args: string[], env: Record<string, string>, cwd: string) => {
  const child = execa(process.execPath, [binPath(name), ...args], {
    env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    cwd,
    stdout: 'ignore',
    stderr: 'ignore',
  });
  children.push(child);
  return child;
};

/** The watcher's record of a merged pull request of the fixture's task 1101 (opened as its run ended, merged an hour later). */
function writeMergedPull(home: string): void {
  mkdirSync(join(home, 'github'), { recursive: true });
  const pull = watchedPull('1101', 5, {
    parent: '100',
    pr_url: 'https://github.com/octo/widgets/pull/5',
    state: 'merged',
    checks: 'passing',
    approved_by: ['maintainer'],
    last_change_at: '2026-11-26T10:04:00Z',
    checked_at: '2026-11-26T10:04:00Z',
    next_poll_at: '2026-11-26T10:04:30Z',
    opened_at: '2026-11-26T09:04:00Z',
    merged_at: '2026-11-26T10:04:00Z',
  });
  writeFileSync(join(home, 'github', 'pull-requests.json'), JSON.stringify({ version: 1, pulls: { '1101': pull } }));
}

// Real worker processes (dist/, fake agent, embedded queue), the real health monitor, the built
// server, and Debian's chromium through playwright-core. `npm run build` first.
describeWith(['chromium', 'git'], 'the dashboard page in a real browser', () => {
  it('shows the running workers; a killed worker turns dead and its alert appears without a reload', async () => {
    const bench = await makeWorkerBench('embedded', {
      HEARTBEAT_INTERVAL: '0.3',
      DEAD_WORKER_THRESHOLD: '2',
      HEALTH_CHECK_INTERVAL: '0.3',
    });
    const env = { ...bench.env, NO_COLOR: '1' };
    const workers = [1, 2, 3].map((id) =>
      spawnBin('hybrid-worker-enhanced', [String(id), '--repo', bench.repo, '--base', 'main'], env, bench.repo),
    );
    spawnBin('worker-health-monitor', ['monitor'], env, bench.repo);
    await waitFor(async () => Object.keys((await bench.health.read()).workers).length === 3, {
      timeoutMs: 30_000,
      what: 'three workers beating',
    });
    const dashboard = await startDashboard(bench.home, [], env);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(dashboard.url);
    const stateOf = (id: number) => page.locator(`tr[data-worker="${id}"] .state`).textContent({ timeout: 30_000 });
    await waitFor(async () => ['healthy', 'working'].includes((await stateOf(2)) ?? ''), { timeoutMs: 30_000, what: 'worker 2 shown up' });
    expect(await page.locator('#workers tbody tr').count()).toBe(3);
    expect(await page.locator('#workers-summary').textContent()).toBe('workers: 3 up, 0 unresponsive, 0 dead');
    let reloaded = false;
    page.on('load', () => (reloaded = true));

    workers[1]!.kill('SIGKILL');
    await waitFor(async () => (await stateOf(2)) === 'dead', { timeoutMs: 30_000 + SSE_BOUND_MS, what: 'worker 2 shown dead' });
    await waitFor(async () => ((await page.locator('#alerts').textContent()) ?? '').includes('Worker 2 is dead'), {
      timeoutMs: 30_000,
      what: 'the alert shown',
    });
    expect(reloaded).toBe(false);
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await stateOf(1)).not.toBe('dead');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-worker-dead.png'), fullPage: true });
    // The page says so when the server goes away.
    await dashboard.stop();
    await waitFor(() => page.locator('#banner').isVisible(), { timeoutMs: 30_000, what: 'the connection-lost banner' });
    expect(await page.locator('#banner').textContent()).toMatch(/^Connection to the server lost/);
  }, 120_000);

  it('with actions allowed and the pool paused: a resume button that lifts the pause, a restart button per worker, no script error', async () => {
    const home = makeTempDir('hw-page-');
    cpSync(fileURLToPath(new URL('../fixtures/performance/basic', import.meta.url)), home, { recursive: true });
    writeMergedPull(home);
    const pause = new UsagePause({ paths: dataPaths(home), now: () => new Date(), random: () => 0, jitterMaxMs: 0 });
    await pause.pauseFor({ resetsAt: new Date(Date.now() + 3_600_000), limitType: 'five_hour', source: 'worker-1', message: 'limit' });
    const token = 'page-test-token';
    const dashboard = await startDashboard(home, ['--allow-actions'], { WORKERS_DASHBOARD_TOKEN: token, SANDBOX: 'off' });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${dashboard.url}?token=${token}`);
    // A script error stops the page filling in: then say what it was.
    await waitFor(async () => errors.length > 0 || (await page.locator('body').getAttribute('data-generated-at')) !== null, {
      timeoutMs: 30_000,
      what: 'the page filled in',
    });
    expect(errors).toEqual([]);
    expect(await page.locator('#paused').textContent()).toMatch(/^paused until \S+ \(five_hour\)resume$/);
    // Whether agents run sandboxed, and when not, why and the fix (docs/SPEC.md section 15).
    expect(await page.locator('#sandbox.off').textContent()).toBe(
      "Sandbox: off (SANDBOX=off): agents run with your user's full access and the narrow tool list; set SANDBOX=auto to use it",
    );
    const rows = await page.locator('#workers tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.locator('#workers tbody button', { hasText: 'restart' }).count()).toBe(rows);

    await page.locator('#paused button', { hasText: 'resume' }).click();
    await waitFor(async () => (await page.locator('#paused').textContent()) === '', {
      timeoutMs: 30_000 + SSE_BOUND_MS,
      what: 'the pause gone from the page',
    });
    expect(await pause.current()).toBeNull();
    // docs/SPEC.md section 14.5: the outcomes and the spend per day and per parent.
    const outcomes = await page.locator('#outcomes li').allTextContents();
    expect(outcomes[0]).toMatch(
      /^All pull requests: 1 PR\(s\): 1 merged \(100%\), 0 open, 0 closed; start to PR median 4m00s \(1\); PR to merge median 1h00m \(1\); .*cost per merged PR \$0\.2100$/,
    );
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Parent #100: 1 PR/),
        expect.stringMatching(/^Spend\/day: /),
        expect.stringMatching(/^Spend\/parent: .*#100 \$/),
      ]),
    );
    expect(errors).toEqual([]);
  }, 120_000);

  /** Kept after the run (not a temp dir removed with the test) so a person can look at them. */
  const screenshots = mkdtempSync(join(tmpdir(), 'hw-page-screenshots-'));

  /** Opens the page; resolves once it filled in or a script error stopped it, with the errors seen. */
  async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => {
      // The browser logs a refused action's HTTP status itself; that is the page working, not failing.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    await page.goto(url);
    await waitFor(async () => errors.length > 0 || (await page.locator('body').getAttribute('data-generated-at')) !== null, {
      timeoutMs: 30_000,
      what: 'the page filled in',
    });
    return { page, errors };
  }

  /** No script error, every table and list filled (rows or "none"), the header's counts those of the rows. */
  async function expectWhole(page: Page, errors: string[], name: string): Promise<string[]> {
    expect(errors).toEqual([]);
    const states = await page.locator('#workers tbody tr .state').allTextContents();
    const count = (...health: string[]) => states.filter((state) => health.includes(state)).length;
    const expected = ['up', 'unresponsive', 'dead'].map((what, i) =>
      i === 0 ? `${states.length - count('unresponsive', 'dead', 'gave-up', 'stopped', 'unknown')} up` : `${count(what)} ${what}`,
    );
    if (count('gave-up') > 0) expected.push(`${count('gave-up')} gave up`);
    expect(await page.locator('#workers-summary').textContent()).toBe(`workers: ${expected.join(', ')}`);
    expect(await page.locator('#workers tbody tr').count()).toBeGreaterThan(0);
    for (const list of ['#parents', '#outcomes', '#alerts', '#recent']) expect(await page.locator(`${list} li`).count()).toBeGreaterThan(0);
    expect(await page.locator('#queue-summary').textContent()).toMatch(/^queue \(embedded\): \d+ queued/);
    expect(await page.locator('#cost-summary').textContent()).not.toBe('');
    expect(await page.locator('#chart text').allTextContents()).toEqual(
      expect.arrayContaining(['0', 'tasks / hour', 'hour started (UTC)']),
    );
    const path = join(screenshots, `dashboard-${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot of the page ${name}: ${path}`);
    return states;
  }

  it('is whole in every state: paused on a usage limit, held for a person, empty, and with 40 workers', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/performance/basic', import.meta.url));
    const pausedHome = makeTempDir('hw-page-paused-');
    cpSync(fixture, pausedHome, { recursive: true });
    const pauseOf = (home: string) => new UsagePause({ paths: dataPaths(home), now: () => new Date(), random: () => 0, jitterMaxMs: 0 });
    await pauseOf(pausedHome).pauseFor({
      resetsAt: new Date(Date.now() + 3_600_000),
      limitType: 'five_hour',
      source: 'worker-1',
      message: 'limit',
    });
    const paused = await openPage((await startDashboard(pausedHome)).url);
    await expectWhole(paused.page, paused.errors, 'paused');
    expect(await paused.page.locator('#paused').textContent()).toMatch(/^paused until \S+ \(five_hour\)$/);

    const heldHome = makeTempDir('hw-page-held-');
    cpSync(fixture, heldHome, { recursive: true });
    await pauseOf(heldHome).holdForPerson({ source: 'worker-2', message: 'authentication failed on task 44' });
    const token = { WORKERS_DASHBOARD_TOKEN: 'page-states-token' };
    const held = await openPage(`${(await startDashboard(heldHome, ['--allow-actions'], token)).url}?token=page-states-token`);
    await expectWhole(held.page, held.errors, 'held');
    expect(await held.page.locator('#paused').textContent()).toBe('paused until a person acts (authentication)resume');

    const empty = await openPage((await startDashboard(makeTempDir('hw-page-empty-'))).url);
    await expectWhole(empty.page, empty.errors, 'empty');
    expect(await empty.page.locator('#workers tbody').textContent()).toBe('no workers have reported yet');
    expect(await empty.page.locator('#cost-summary').textContent()).toBe('cost: $0.00 today, $0.00 in total');

    // 40 workers: 34 beating (half working), 4 silent for an hour (dead), 2 the manager gave up on; no task reported a cost.
    const manyHome = makeTempDir('hw-page-many-');
    const paths = dataPaths(manyHome);
    const now = Date.now();
    const iso = (agoMs: number) => new Date(now - agoMs).toISOString();
    const workers: Record<string, object> = {};
    for (let id = 1; id <= 40; id += 1) {
      const working = id % 2 === 0;
      workers[String(id)] = {
        last_heartbeat: iso(id > 34 ? 3_600_000 : 1000),
        status: working ? 'working' : 'idle',
        current_task: working ? String(1000 + id) : 'none',
        started_at: iso(7_200_000),
        tasks_completed: id,
        tasks_failed: id % 3,
        restarts: id % 4,
        task_started_at: working ? iso(60_000 * id) : null,
        pid: 10_000 + id,
      };
    }
    mkdirSync(join(manyHome, 'health'), { recursive: true });
    writeFileSync(paths.metricsFile, JSON.stringify({ version: 1, workers }));
    mkdirSync(join(manyHome, 'history'), { recursive: true });
    writeFileSync(
      join(manyHome, 'history', 'tasks.jsonl'),
      [1, 2, 3]
        .map((id) =>
          JSON.stringify({
            version: 1,
            task_id: String(900 + id),
            parent: '900',
            worker_id: id,
            attempts: 1,
            started_at: iso(1_800_000),
            ended_at: iso(1_200_000),
            result: id === 3 ? 'failed' : 'success',
            error_class: id === 3 ? 'agent_error' : null,
            backend: 'embedded',
          }),
        )
        .join('\n') + '\n',
    );
    const gaveUp = { restarts: 5, last_reason: 'died 5 times within 10 minutes', gave_up: true };
    mkdirSync(join(manyHome, 'manager'), { recursive: true });
    writeFileSync(managerStateFile(paths), JSON.stringify({ version: 1, pool_size: 40, workers: { '39': gaveUp, '40': gaveUp } }));
    const many = await openPage(`${(await startDashboard(manyHome, ['--allow-actions'], token)).url}?token=page-states-token`);
    const states = await expectWhole(many.page, many.errors, 'many-workers');
    expect(states).toHaveLength(40);
    expect(await many.page.locator('#workers-summary').textContent()).toBe('workers: 34 up, 0 unresponsive, 4 dead, 2 gave up');
    expect(await many.page.locator('tr[data-worker="40"] .error').textContent()).toBe('Gave up: died 5 times within 10 minutes');
    expect(await many.page.locator('tr[data-worker="1"] td').nth(8).textContent()).toBe('unknown');
    expect(await many.page.locator('#cost-summary').textContent()).toBe('cost: unknown (no task reported one)');

    // An action answers at once: the button is disabled while it is sent, then the server's sentence shows (here a refusal).
    await many.page.route('**/api/actions/kill', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue();
    });
    const kill = many.page.locator('tr[data-worker="2"] button', { hasText: 'kill task' });
    await kill.click();
    expect(await many.page.locator('tr[data-worker="2"] button[data-action="kill task 1002"]').isDisabled()).toBe(true);
    expect(await many.page.locator('#action-result').textContent()).toBe('kill task 1002: sending…');
    await waitFor(async () => (await many.page.locator('#action-result').getAttribute('class')) === 'refused', {
      timeoutMs: 10_000,
      what: "the server's refusal shown",
    });
    expect(await many.page.locator('#action-result').textContent()).toMatch(/^kill task 1002: \S.*\.$/);
    expect(await many.page.locator('tr[data-worker="2"] button', { hasText: 'kill task' }).isEnabled()).toBe(true);
    expect(many.errors).toEqual([]);
  }, 180_000);

  it('shows what waits on what: a task blocked by #201, and a dependency cycle', async () => {
    const bench = await makeWorkerBench('embedded');
    const queue = (args: string[]) => runBin('worker-queue', args, { home: bench.home, cwd: bench.repo, env: bench.env });
    for (const args of [
      ['add', '5', '1', '201'],
      ['add', '5', '1', '202', '--after', '#201'],
      ['add', '5', '6', '7', '--after', '#8'],
      ['add', '5', '6', '8', '--after', '#7'],
    ])
      expect((await queue(args)).exitCode).toBe(0);
    const { page, errors } = await openPage((await startDashboard(bench.home, [], bench.env)).url);
    expect(errors).toEqual([]);
    expect(await page.locator('#waiting li').allTextContents()).toEqual([
      '#202 blocked by #201',
      '#7 blocked by #8',
      '#8 blocked by #7',
      'dependency cycle: #7 -> #8 -> #7',
    ]);
  }, 120_000);
  it("shows the current repository's parents with each pull request's state and checks; every repository with ?all", async () => {
    const bench = await makeWorkerBench('embedded');
    for (const [subissue, parent, repo] of [
      ['2', '1', 'octo/widgets'],
      ['8', '7', 'octo/gadgets'],
    ] as const) {
      const task = await bench.backend.add({ subissue, parent, priority: 5, repo });
      await bench.backend.claim(1, { repo });
      await bench.backend.finish(task.id, { status: 'done' });
    }
    writePullHistory(bench.paths.historyFile, { owner: 'octo', repo: 'widgets' }, [{ task: '2', pr: 5 }]);
    await openPullWatchStore(bench.paths).update((draft) => {
      draft.pulls['2'] = {
        ...{ task_id: '2', parent: '1', pr_number: 5, pr_url: 'https://github.localhost/octo/widgets/pull/5' },
        ...{ state: 'open', checks: 'failing', failing: [], approved_by: [], head_sha: null, error: null, cache: {} },
        ...{ last_change_at: '2030-01-01T00:00:00Z', checked_at: '2030-01-01T00:00:00Z', next_poll_at: '2030-01-01T00:00:00Z' },
      };
    });
    const { url } = await startDashboard(bench.home, [], { WORKERS_DASHBOARD_TOKEN: '', GITHUB_REPOSITORY: 'octo/widgets' });
    const { page, errors } = await openPage(url);
    expect(await page.locator('#parents > li').allTextContents()).toEqual([
      'parent 1: 1 / 1 done; pull requests: 1 failing#2: pull request #5 open, checks failing',
    ]);
    const all = await openPage(`${url}?all`);
    expect(await all.page.locator('#parents > li').allTextContents()).toEqual([
      'parent 7 (octo/gadgets): 1 / 1 done',
      'parent 1 (octo/widgets): 1 / 1 done; pull requests: 1 failing#2: pull request #5 open, checks failing',
    ]);
    expect([...errors, ...all.errors]).toEqual([]);
  }, 60_000);
});
