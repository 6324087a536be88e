/* global document, requestAnimationFrame */
// Measures `worker-performance serve`: (1) time from a heartbeat written to metrics.json to the
// page in Debian's chromium showing it (median, p90); (2) the server's CPU and RSS over a minute
// with 64 workers beating every 5 s and 5 pages open (SSE clients); (3) GET /metrics latency on a
// data root with 100,000 history records. Needs a build (npm run build) and /usr/bin/chromium.
// Run: node scripts/bench/dashboard.mjs [latency-samples=30] [load-seconds=60] [history=100000]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { HealthService, dataPaths, DEFAULT_SETTINGS } = await import(join(root, 'dist', 'index.js'));
const { chromium } = await import('playwright-core');
const [SAMPLES, LOAD_S, HISTORY] = [30, 60, 100_000].map((fallback, index) => Number(process.argv[2 + index] ?? fallback));
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

async function startServer(home) {
  const child = spawn(process.execPath, [join(root, 'bin', 'worker-performance.js'), 'serve', '--port', '0'], {
    env: { ...process.env, CLAUDE_WORKERS_HOME: home, WORKER_BACKEND: 'embedded', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  for (let i = 0; i < 600 && !/on (http:\S+\/)/.test(out); i += 1) await sleep(50);
  return { child, url: /on (http:\S+\/)/.exec(out)[1] };
}

/** utime + stime in ms and the resident set in KiB of a process, from /proc. */
function usage(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / 100, rssKb: rss };
}

async function latency() {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-dash-'));
  const health = new HealthService({ paths: dataPaths(home), settings: DEFAULT_SETTINGS });
  for (let id = 1; id <= 8; id += 1) await health.heartbeat(id, { status: 'idle', task: 'none' });
  const server = await startServer(home);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('tr[data-worker="1"]');
  const samples = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const task = String(70_000 + i);
    // The page records when the cell first shows the task; the clock is the same machine's.
    const seen = page.evaluate(
      (want) =>
        new Promise((resolve) => {
          const check = () => {
            // The task's cell: its number, then (for a task of this host) a link to its log.
            const cell = document.querySelector('tr[data-worker="1"] td:nth-child(3)');
            if (cell?.firstChild?.textContent === want) resolve(performance.timeOrigin + performance.now());
            else requestAnimationFrame(check);
          };
          check();
        }),
      task,
    );
    await sleep(300 + Math.random() * 700);
    const written = Date.now();
    await health.heartbeat(1, { status: 'working', task });
    samples.push((await seen) - written);
  }
  await browser.close();
  server.child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  console.log(
    `heartbeat on disk -> page shows it (${SAMPLES} samples): median ${fmt(quantile(samples, 0.5))}, p90 ${fmt(quantile(samples, 0.9))}, max ${fmt(Math.max(...samples))}`,
  );
}

async function load() {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-dash-'));
  const health = new HealthService({ paths: dataPaths(home), settings: DEFAULT_SETTINGS });
  for (let id = 1; id <= 64; id += 1) await health.heartbeat(id, { status: 'working', task: String(1000 + id) });
  const server = await startServer(home);
  const clients = [];
  let events = 0;
  for (let i = 0; i < 5; i += 1) {
    const controller = new AbortController();
    clients.push(controller);
    void fetch(`${server.url}events`, { signal: controller.signal })
      .then(async (response) => {
        for await (const chunk of response.body) events += (String(Buffer.from(chunk)).match(/event: state/g) ?? []).length;
      })
      .catch(() => undefined);
  }
  await sleep(2000);
  const beats = [];
  for (let id = 1; id <= 64; id += 1) {
    beats.push(
      setTimeout(
        function beat() {
          void health.heartbeat(id, { status: 'working', task: String(1000 + id) });
          beats[id - 1] = setTimeout(beat, 5000);
        },
        (id * 5000) / 64,
      ),
    );
  }
  const start = usage(server.child.pid);
  let peakKb = start.rssKb;
  const startedAt = Date.now();
  while (Date.now() - startedAt < LOAD_S * 1000) {
    await sleep(1000);
    peakKb = Math.max(peakKb, usage(server.child.pid).rssKb);
  }
  const end = usage(server.child.pid);
  beats.forEach(clearTimeout);
  clients.forEach((controller) => controller.abort());
  server.child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  const wallS = (Date.now() - startedAt) / 1000;
  console.log(
    `64 workers beating every 5 s, 5 SSE pages, ${Math.round(wallS)} s: server CPU ${(end.cpuMs / 1000 - start.cpuMs / 1000).toFixed(2)} s (${((end.cpuMs - start.cpuMs) / (wallS * 10)).toFixed(1)}% of one core), RSS ${Math.round(end.rssKb / 1024)} MiB at the end, peak ${Math.round(peakKb / 1024)} MiB, ${events} state events delivered`,
  );
}

async function metrics() {
  const home = mkdtempSync(join(tmpdir(), 'hw-bench-dash-'));
  mkdirSync(join(home, 'history'), { recursive: true });
  const now = Date.now();
  const lines = [];
  for (let i = 0; i < HISTORY; i += 1) {
    const ended = now - 30 * 86_400_000 + Math.floor((30 * 86_400_000 * i) / HISTORY);
    const result = i % 6 === 5 ? 'failed' : 'success';
    lines.push(
      JSON.stringify({
        version: 1,
        task_id: String(10_000 + i),
        parent: String(100 + (i % 37)),
        worker_id: 1 + (i % 64),
        attempts: 1,
        started_at: new Date(ended - 90_000).toISOString(),
        ended_at: new Date(ended).toISOString(),
        result,
        error_class: result === 'failed' ? 'agent_error' : null,
        cost_usd: 0.1,
        input_tokens: 1000,
        output_tokens: 100,
        num_turns: 3,
      }),
    );
  }
  writeFileSync(join(home, 'history', 'tasks.jsonl'), `${lines.join('\n')}\n`);
  const health = new HealthService({ paths: dataPaths(home), settings: DEFAULT_SETTINGS });
  for (let id = 1; id <= 64; id += 1) await health.heartbeat(id, { status: 'idle', task: 'none' });
  const server = await startServer(home);
  const times = [];
  for (let i = 0; i < 21; i += 1) {
    const started = performance.now();
    await (await fetch(`${server.url}metrics`)).text();
    if (i > 0) times.push(performance.now() - started); // the first warms the code
  }
  server.child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
  console.log(
    `GET /metrics with ${HISTORY} history records (20 requests): median ${fmt(quantile(times, 0.5))}, p90 ${fmt(quantile(times, 0.9))}`,
  );
}

await latency();
await load();
await metrics();
