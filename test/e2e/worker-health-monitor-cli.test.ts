import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { healthReportSchema } from '../../src/health/report.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait-for.js';

const BIN = 'worker-health-monitor';

/** Every file under `dir` with a hash of its content: "nothing changed" is an equal snapshot. */
function snapshotTree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const entries: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else entries[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return entries;
}

const run = (home: string, args: string[], env: Record<string, string> = {}) => runBin(BIN, args, { home, env });

describe('worker-health-monitor refuses bad input with one sentence and changes nothing', () => {
  const badIds = ['0', '-1', 'abc', '1.5', '../x', '1;rm -rf /', '', 'x'.repeat(10_240)];

  it.each(badIds.map((id) => [id.length > 20 ? `${id.slice(0, 10)}… (${id.length} chars)` : JSON.stringify(id), id]))(
    'worker id %s',
    async (_label, id) => {
      const home = makeTempDir();
      await run(home, ['heartbeat', '1']);
      const before = snapshotTree(home);
      for (const args of [
        ['heartbeat', id],
        ['complete', id, 'true'],
        ['restart', id],
        ['metrics', id],
      ]) {
        const result = await run(home, args);
        expect(result.exitCode, args.join(' ')).toBe(2);
        expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(result.stderr.length).toBeLessThan(200);
      }
      const check = await run(home, ['check', id]);
      expect(check.exitCode).toBe(3);
      expect(check.stdout.trim()).toBe('unknown');
      expect(check.stderr.trim().split('\n')).toHaveLength(1);
      expect(snapshotTree(home)).toEqual(before);
    },
  );

  it.each([
    [['complete', '1', 'maybe'], /true or false/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['heartbeat', '1', 'sleeping'], /Unknown status "sleeping"/],
    [['report', 'xml'], /Unknown report format "xml"/],
  ])('%j', async (args, message) => {
    const home = makeTempDir();
    const result = await run(home, args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshotTree(home)).toEqual({});
  });

  it.each([
    ['not JSON', '{"DEAD_WORKER_THRESHOLD": '],
    ['a negative threshold', '{"DEAD_WORKER_THRESHOLD": -5}'],
  ])('config.json holding %s', async (_name, content) => {
    const home = makeTempDir();
    writeFileSync(join(home, 'config.json'), content);
    const before = snapshotTree(home);
    const result = await run(home, ['heartbeat', '1']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/config\.json/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshotTree(home)).toEqual(before);
  });

  it('an unusable data root (a file where the directory should be)', async () => {
    const parent = makeTempDir();
    const home = join(parent, 'workers');
    writeFileSync(home, 'not a directory');
    for (const args of [['heartbeat', '1'], ['report']]) {
      const result = await run(home, args);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/is not a directory/);
    }
    expect(readFileSync(home, 'utf8')).toBe('not a directory');
  });

  it('an environment override that is out of range', async () => {
    const home = makeTempDir();
    const result = await run(home, ['check', '1'], { HEARTBEAT_INTERVAL: '0' });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/HEARTBEAT_INTERVAL="0" is invalid/);
  });
});

describe('worker-health-monitor end to end', () => {
  it('walks a worker through every health state with short thresholds', async () => {
    const home = makeTempDir();
    const env = { DEAD_WORKER_THRESHOLD: '2', SLOW_TASK_THRESHOLD: '1' };
    const check = async () => {
      const result = await run(home, ['check', '1'], env);
      return { state: result.stdout.trim(), code: result.exitCode };
    };
    expect(await check()).toEqual({ state: 'unknown', code: 3 });
    await run(home, ['heartbeat', '1', 'idle'], env);
    expect(await check()).toEqual({ state: 'healthy', code: 0 });
    await run(home, ['heartbeat', '1', 'working', '42'], env);
    expect(await check()).toEqual({ state: 'working', code: 0 });
    await run(home, ['heartbeat', '1', 'recovering', '42'], env);
    expect(await check()).toEqual({ state: 'recovering', code: 1 });
    await run(home, ['heartbeat', '1', 'stopped'], env);
    expect(await check()).toEqual({ state: 'stopped', code: 3 });
    // The same task reported again keeps its start time, so it turns slow while heartbeats are fresh.
    await run(home, ['heartbeat', '1', 'working', '43'], env);
    await waitFor(
      async () => {
        await run(home, ['heartbeat', '1', 'working', '43'], env);
        return (await check()).state === 'slow';
      },
      { what: 'slow' },
    );
    expect((await check()).code).toBe(1);
    await waitFor(async () => (await check()).state === 'unresponsive', { what: 'unresponsive' });
    expect((await check()).code).toBe(1);
    await waitFor(async () => (await check()).state === 'dead', { what: 'dead' });
    expect((await check()).code).toBe(2);

    const monitor = await run(home, ['monitor', '--once'], env);
    expect(monitor.exitCode).toBe(0);
    expect(readFileSync(join(home, 'health', 'alerts.log'), 'utf8')).toMatch(/^\[\S+Z\] Worker 1 is dead: no heartbeat for [\d.]+ s\.$/m);
    expect(readFileSync(join(home, 'health', 'health.log'), 'utf8')).toMatch(/^\[\S+Z\] \[ALERT\] Worker 1 is dead/m);
  });

  it('counts completions and restarts and prints them in the report and metrics', async () => {
    const home = makeTempDir();
    await run(home, ['heartbeat', '2', 'working', '77']);
    await run(home, ['complete', '2', 'true']);
    await run(home, ['complete', '2', 'false']);
    await run(home, ['restart', '2']);
    const metrics = JSON.parse((await run(home, ['metrics', '2'])).stdout);
    expect(metrics).toMatchObject({ status: 'working', current_task: '77', tasks_completed: 1, tasks_failed: 1, restarts: 1 });
    const report = healthReportSchema.parse(JSON.parse((await run(home, ['report', '--json'])).stdout));
    expect(report.stats).toMatchObject({ total_tasks: 2, successful_tasks: 1, failed_tasks: 1, restarts: 1 });
    expect(JSON.parse((await run(home, ['report', 'json'])).stdout).workers).toHaveLength(1);
    const text = await run(home, ['report']);
    expect(text.stdout).toMatch(/Tasks: 2 total, 1 succeeded, 1 failed/);
    const dashboard = await run(home, ['dashboard']);
    expect(dashboard.exitCode).toBe(0);
    expect(dashboard.stdout).toMatch(/Worker health dashboard/);
    expect(JSON.parse((await run(home, ['dashboard', '--json'])).stdout).workers[0].id).toBe(2);
    const unknown = await run(home, ['metrics', '9']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/Worker 9 has no metrics yet/);
  });

  it('reset clears the counters and keeps the old file as a backup', async () => {
    const home = makeTempDir();
    await run(home, ['complete', '1', 'true']);
    const reset = await run(home, ['reset']);
    expect(reset.exitCode).toBe(0);
    const backup = readdirSync(join(home, 'health')).find((name) => name.startsWith('metrics.json.reset-'));
    expect(JSON.parse(readFileSync(join(home, 'health', backup!), 'utf8')).stats.total_tasks).toBe(1);
    expect(JSON.parse((await run(home, ['report', '--json'])).stdout).stats.total_tasks).toBe(0);
  });

  it('recovers from garbage in metrics.json: the command succeeds, the garbage is kept, an ALERT is logged', async () => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'), { recursive: true });
    writeFileSync(join(home, 'health', 'metrics.json'), '\u0000\u0001 garbage {{{');
    const result = await run(home, ['heartbeat', '3', 'idle']);
    expect(result.exitCode).toBe(0);
    const files = readdirSync(join(home, 'health'));
    const aside = files.find((name) => name.startsWith('metrics.json.corrupt-'));
    expect(readFileSync(join(home, 'health', aside!), 'utf8')).toBe('\u0000\u0001 garbage {{{');
    expect(JSON.parse(readFileSync(join(home, 'health', 'metrics.json'), 'utf8')).workers['3'].status).toBe('idle');
    expect(readFileSync(join(home, 'health', 'alerts.log'), 'utf8')).toMatch(
      /metrics\.json was unreadable \(it is not valid JSON\); kept 0 worker record\(s\), set aside no worker record; the whole file is kept as .*corrupt-/,
    );
  });

  it('reads a shell-era metrics.json as it is and keeps its workers on the next write', async () => {
    const home = makeTempDir();
    mkdirSync(join(home, 'health'), { recursive: true });
    const shellFile = readFileSync(new URL('../fixtures/health/metrics-shell-era.json', import.meta.url), 'utf8');
    writeFileSync(join(home, 'health', 'metrics.json'), shellFile);
    await run(home, ['complete', '2', 'true']);
    const saved = JSON.parse(readFileSync(join(home, 'health', 'metrics.json'), 'utf8'));
    expect(Object.keys(saved.workers)).toEqual(['1', '2', '3', '4']);
    expect(saved.workers['2'].tasks_completed).toBe(10);
    expect(saved.stats.total_tasks).toBe(32);
    expect(saved.workers['4'].last_heartbeat).toBe('2026-01-01T11:55:00.000Z');
  });
});
