import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsSchema, type Metrics } from '../../src/health/metrics-schema.js';
import { healthTransitions } from '../../src/health/monitor.js';
import { buildHealthReport, healthReportSchema } from '../../src/health/report.js';
import { renderDashboard, renderHealthReport } from '../../src/health/views.js';
import { visibleWidth } from '../../src/core/text-table.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const thresholds = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 900_000 };
/** A fixture's workers as this host's ('here') in the fleet-wide form the report reads. */
const fleetOf = (metrics: Metrics, host = 'here') => ({
  workers: Object.fromEntries(Object.entries(metrics.workers).map(([id, record]) => [`${host}/${id}`, record])),
  stats: metrics.stats,
});
const fixture = (name: string) =>
  fleetOf(metricsSchema.parse(JSON.parse(readFileSync(new URL(`../fixtures/health/${name}`, import.meta.url), 'utf8'))));
const alerts = ['[2026-01-01T11:59:30.000Z] Worker 5 is unresponsive: no heartbeat for 16 s.'];

describe('health views from fixture data', () => {
  const report = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, alerts, 'here');

  it('classifies every worker of the fixture', () => {
    expect(report.workers.map((worker) => `${worker.id}:${worker.health}`)).toEqual([
      '1:healthy',
      '2:slow',
      '3:working',
      '4:unresponsive',
      '5:dead',
      '6:recovering',
      '7:stopped',
    ]);
    expect(report.stats.success_rate_percent).toBe(83.8);
  });

  it('report --json validates against its schema', () => {
    expect(healthReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it('renders the dashboard frame', async () => {
    await expect(renderDashboard(report, { colorLevel: 0 })).toMatchFileSnapshot('../fixtures/health/dashboard.txt');
  });

  it('colours states on a colour terminal', () => {
    const frame = renderDashboard(report, { colorLevel: 1 });
    expect(frame).toContain('\u001b[31m\u001b[1mdead');
    expect(frame).toContain('\u001b[32mhealthy');
  });

  it('renders the text report', async () => {
    await expect(renderHealthReport(report, { colorLevel: 0 })).toMatchFileSnapshot('../fixtures/health/report.txt');
  });

  it('reads a shell-era metrics.json as it is, epoch-second heartbeats included', async () => {
    const shellReport = buildHealthReport(fixture('metrics-shell-era.json'), NOW, thresholds, [], 'here');
    expect(shellReport.workers.map((worker) => worker.health)).toEqual(['healthy', 'working', 'unresponsive', 'dead']);
    expect(shellReport.stats.total_tasks).toBe(31);
    await expect(renderHealthReport(shellReport, { colorLevel: 0 })).toMatchFileSnapshot('../fixtures/health/report-shell-era.txt');
  });

  it('fits an 80-column terminal: Status, Progress and Restarts go, nothing wraps, alerts break at spaces', async () => {
    const longAlert =
      '[2026-01-01T11:59:40.000Z] [ALERT] Worker 3: authentication failed on task 1240 (Not logged in); every worker stopped claiming. Log in again, then run worker-manager resume.';
    const narrow = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, [...alerts, longAlert], 'here');
    for (const colorLevel of [0, 1] as const) {
      const frame = renderDashboard(narrow, { colorLevel, columns: 80 });
      const tooWide = frame.split('\n').filter((line) => visibleWidth(line) > 80);
      expect(tooWide).toEqual([]);
    }
    const frame = renderDashboard(narrow, { colorLevel: 0, columns: 80 });
    await expect(frame).toMatchFileSnapshot('../fixtures/health/dashboard-80.txt');
    expect(frame).toMatch(/│ Worker │ Health\s+│ Task\s+│ Task time │ Heartbeat │ Done │ Failed │/);
    expect(frame).toContain('\n    1240 (Not logged in); every worker stopped claiming. Log in again, then run\n');
    expect(
      renderHealthReport(narrow, { colorLevel: 0, columns: 80 })
        .split('\n')
        .filter((line) => visibleWidth(line) > 80),
    ).toEqual([]);
  });

  it('renders an empty data root', () => {
    const empty = buildHealthReport(fleetOf(metricsSchema.parse({})), NOW, thresholds, [], 'here');
    expect(renderDashboard(empty, { colorLevel: 0 })).toContain('No workers have reported yet.');
  });
});

describe('health monitor transitions', () => {
  const report = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, [], 'here');

  it('alerts once when a worker turns dead or unresponsive and warns when one turns slow', () => {
    const first = healthTransitions(report, new Map());
    expect(first.events).toEqual([
      { level: 'WARN', message: 'Worker 2 is slow: task 1234 has run since 2026-01-01T11:40:00.000Z.' },
      { level: 'ALERT', message: 'Worker 4 is unresponsive: no heartbeat for 20 s.' },
      { level: 'ALERT', message: 'Worker 5 is dead: no heartbeat for 120 s.' },
    ]);
    expect(healthTransitions(report, first.states).events).toEqual([]);
  });

  it('says when a troubled worker recovers', () => {
    const events = healthTransitions(report, new Map([['here/1', 'dead']])).events;
    expect(events).toContainEqual({ level: 'INFO', message: 'Worker 1 recovered: now healthy.' });
  });
});

describe('health views of several hosts', () => {
  const here = fixture('metrics-current.json');
  const there = fleetOf(
    metricsSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/health/metrics-current.json', import.meta.url), 'utf8'))),
    'there',
  );
  const fleet = { workers: { ...here.workers, ...there.workers }, stats: here.stats };
  const report = buildHealthReport(fleet, NOW, thresholds, [], 'here');

  it('orders workers by host, then id, and the JSON names each host', () => {
    expect(report.workers.slice(6, 9).map((worker) => `${worker.host}/${worker.id}`)).toEqual(['here/7', 'there/1', 'there/2']);
    expect(healthReportSchema.parse(report).host).toBe('here');
  });

  it('adds a Host column only when the rows are of several hosts, within 80 columns', () => {
    const text = renderHealthReport(report, { colorLevel: 0, columns: 80 });
    expect(text).toMatch(/Host\s+│\s+Worker/);
    expect(text).toMatch(/there\s+│\s+2\s+│\s+slow/);
    for (const line of text.split('\n')) expect(visibleWidth(line)).toBeLessThanOrEqual(80);
    expect(renderHealthReport(buildHealthReport(here, NOW, thresholds, [], 'here'), { colorLevel: 0 })).not.toMatch(/Host/);
  });

  it("names another host's worker host/id in its alerts", () => {
    const events = healthTransitions(report, new Map()).events.map((event) => event.message);
    expect(events).toContain('Worker 5 is dead: no heartbeat for 120 s.');
    expect(events).toContain('Worker there/5 is dead: no heartbeat for 120 s.');
  });
});
