import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '../../src/core/paths.js';
import { CSV_HEADER } from '../../src/performance/export-csv.js';
import { EmbeddedBackend } from '../../src/queue/backends/embedded/embedded-backend.js';
import { runBin } from '../helpers/run-bin.js';
import { makeTempDir } from '../helpers/temp.js';
import { EXPECTED, FIXTURES } from '../unit/performance-fixture.js';

const BIN = 'worker-performance';
/** The embedded queue keeps every run off the user's Pueue daemon. */
const EMBEDDED = { WORKER_BACKEND: 'embedded' };
const run = (home: string, args: string[], options: { cwd?: string } = {}) => runBin(BIN, args, { home, env: EMBEDDED, ...options });

function fixtureHome(fixture: 'basic' | 'shell-era'): string {
  const home = makeTempDir('hw-perf-e2e-');
  cpSync(join(FIXTURES, fixture), home, { recursive: true });
  return home;
}

describe('worker-performance on an empty data root', () => {
  it.each([
    [['report'], 'No workers have reported yet.'],
    [['report', '--json'], '"tasks_processed": 0'],
    [['timeline'], 'No tasks finished since'],
    [['timeline', '--json'], '"matching": 0'],
    [['analyze'], 'No problems found.'],
    [['analyze', '--json'], '"findings": []'],
    [['monitor'], 'Recent completions'],
    [['monitor', '--once'], 'No workers have reported yet.'],
    [['export'], CSV_HEADER],
    [['export', '-', '--format', 'json'], '"workers": []'],
    [['export', '-', '--format', 'prom'], '# TYPE hybrid_workers_tasks_total counter'],
  ])('%j prints an empty report and exits 0 without creating the data root', async (args, expected) => {
    const home = join(makeTempDir(), 'never-created');
    const result = await run(home, args);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(expected);
    expect(existsSync(home)).toBe(false);
  });

  it('reports the empty embedded queue', async () => {
    const result = await run(makeTempDir(), ['report', '--json']);
    expect(JSON.parse(result.stdout).queue).toEqual({ available: true, backend: 'embedded', pending: 0, running: 0 });
  });
});

describe('worker-performance refuses bad requests with one sentence and writes nothing', () => {
  it.each([
    [['export', '/nonexistent-dir/x.csv'], 2, /directory \/nonexistent-dir does not exist/],
    [['export', 'out.xml', '--format', 'xml'], 2, /Unknown export format "xml": use csv, json or prom\./],
    [
      ['export', 'foo.xlsx'],
      2,
      /^worker-performance: Cannot tell the export format of foo\.xlsx from its extension \.xlsx: name a \.csv, \.json or \.prom file, or give --format csv, json or prom\.$/m,
    ],
    [['efficiency', 'abc'], 2, /Invalid worker id "abc"/],
    [['efficiency', '9'], 1, /Worker 9 has no metrics and no task history; known workers: 1, 2, 3, 4, 5, 6\./],
    [['timeline', '--since', 'yesterday'], 2, /Invalid --since "yesterday"/],
    [['timeline', '--limit', '0'], 2, /Invalid --limit "0"/],
  ])('%j exits %i', async (args, exitCode, message) => {
    const home = fixtureHome('basic');
    const cwd = makeTempDir();
    const before = readdirSync(home, { recursive: true }).sort();
    const result = await run(home, args, { cwd });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(home, { recursive: true }).sort()).toEqual(before);
    expect(existsSync('/nonexistent-dir')).toBe(false);
  });
});

describe('worker-performance export', () => {
  it('writes each format atomically to a file (mode 0644, no temp file left), chosen by extension', async () => {
    const home = fixtureHome('basic');
    const out = makeTempDir();
    const cases: [string, string][] = [
      ['metrics.csv', CSV_HEADER],
      ['metrics.json', '"generated_at"'],
      ['metrics.prom', '# HELP hybrid_workers_tasks_total'],
      ['metrics', CSV_HEADER],
    ];
    for (const [name, marker] of cases) {
      const result = await run(home, ['export', join(out, name)]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe('');
      expect(readFileSync(join(out, name), 'utf8')).toContain(marker);
      expect(statSync(join(out, name)).mode & 0o777).toBe(0o644);
    }
    expect(readdirSync(out).sort()).toEqual(['metrics', 'metrics.csv', 'metrics.json', 'metrics.prom']);
  });

  it('writes an unknown extension only when --format names the format', async () => {
    const file = join(makeTempDir(), 'metrics.xlsx');
    const result = await run(fixtureHome('basic'), ['export', file, '--format', 'csv']);
    expect(result.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(CSV_HEADER);
  });

  it('--format wins over the extension, and a second export replaces the first', async () => {
    const home = fixtureHome('basic');
    const file = join(makeTempDir(), 'metrics.csv');
    await run(home, ['export', file]);
    expect((await run(home, ['export', file, '--format', 'json'])).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).workers).toHaveLength(6);
  });

  it('reads a shell-era metrics.json into the golden CSV', async () => {
    const result = await run(fixtureHome('shell-era'), ['export', '-']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(readFileSync(join(EXPECTED, 'shell-era.csv'), 'utf8').trimEnd());
  });

  it('refuses a directory as the target', async () => {
    const dir = makeTempDir();
    mkdirSync(join(dir, 'x.csv'));
    const result = await run(fixtureHome('basic'), ['export', join(dir, 'x.csv')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/is a directory/);
  });
});

describe('worker-performance queue depth', () => {
  it('counts pending tasks of the embedded queue and flags the backlog', async () => {
    const home = fixtureHome('basic');
    const backend = new EmbeddedBackend({ queueDir: dataPaths(home).queueDir, env: {}, now: () => new Date(), lockStaleMs: 5000 });
    for (let id = 1; id <= 11; id += 1) await backend.add({ subissue: String(900 + id), parent: '90', priority: 2 });
    const report = JSON.parse((await run(home, ['report', '--json'])).stdout);
    expect(report.queue).toEqual({ available: true, backend: 'embedded', pending: 11, running: 0 });
    const analysis = JSON.parse((await run(home, ['analyze', '--json'])).stdout);
    expect(analysis.findings.map((finding: { kind: string }) => finding.kind)).toContain('queue-backlog');
  });

  it('reports the queue as unavailable, with the reason, when the backend cannot be opened', async () => {
    const result = await runBin(BIN, ['report'], { home: makeTempDir(), env: { WORKER_BACKEND: 'pueue', PATH: '/nonexistent' } });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Queue: unavailable \(WORKER_BACKEND=pueue but no pueue client is on PATH/);
  });
});

describe('worker-performance on fixture data', () => {
  it('efficiency prints one worker, with a JSON twin', async () => {
    const home = fixtureHome('basic');
    expect((await run(home, ['efficiency', '1'])).stdout).toBe('Worker 1: 95.0% efficiency (19 of 20 task(s) succeeded, 1 failed)');
    expect(JSON.parse((await run(home, ['efficiency', '6', '--json'])).stdout)).toMatchObject({
      id: 6,
      source: 'history',
      efficiency_percent: 100,
    });
  });

  it('monitor prints one frame and exits when stdout is not a terminal', async () => {
    const result = await run(fixtureHome('basic'), ['monitor']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.match(/Worker performance at/g)).toHaveLength(1);
    expect(result.stdout).toContain('Recent completions');
  });

  it('colours efficiency when FORCE_COLOR is set', async () => {
    const result = await runBin(BIN, ['report'], {
      home: fixtureHome('basic'),
      env: { ...EMBEDDED, NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(result.stdout).toContain('\u001b[32m95.0%\u001b[39m');
  });
});
