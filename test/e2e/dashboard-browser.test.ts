import { execa, type ResultPromise } from 'execa';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { UsagePause } from '../../src/pause/usage-pause.js';
import { startDashboard } from '../helpers/dashboard-server.js';
import { describeWith } from '../helpers/requires.js';
import { binPath, REPO_ROOT } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';
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
    const pause = new UsagePause({ paths: dataPaths(home), now: () => new Date(), random: () => 0, jitterMaxMs: 0 });
    await pause.pauseFor({ resetsAt: new Date(Date.now() + 3_600_000), limitType: 'five_hour', source: 'worker-1', message: 'limit' });
    const token = 'page-test-token';
    const dashboard = await startDashboard(home, ['--allow-actions'], { WORKERS_DASHBOARD_TOKEN: token });

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
    const rows = await page.locator('#workers tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.locator('#workers tbody button', { hasText: 'restart' }).count()).toBe(rows);

    await page.locator('#paused button', { hasText: 'resume' }).click();
    await waitFor(async () => (await page.locator('#paused').textContent()) === '', {
      timeoutMs: 30_000 + SSE_BOUND_MS,
      what: 'the pause gone from the page',
    });
    expect(await pause.current()).toBeNull();
    expect(errors).toEqual([]);
  }, 120_000);
});
