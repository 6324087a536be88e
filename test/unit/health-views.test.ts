import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { metricsSchema } from '../../src/health/metrics-schema.js';
import { healthTransitions } from '../../src/health/monitor.js';
import { buildHealthReport, healthReportSchema } from '../../src/health/report.js';
import { renderDashboard, renderHealthReport } from '../../src/health/views.js';
import { visibleWidth } from '../../src/core/text-table.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const thresholds = { DEAD_WORKER_THRESHOLD: 30_000, SLOW_TASK_THRESHOLD: 900_000 };
const fixture = (name: string) =>
  metricsSchema.parse(JSON.parse(readFileSync(new URL(`../fixtures/health/${name}`, import.meta.url), 'utf8')));
const alerts = ['[2026-01-01T11:59:30.000Z] Worker 5 is unresponsive: no heartbeat for 16 s.'];

describe('health views from fixture data', () => {
  const report = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, alerts);

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
    const shellReport = buildHealthReport(fixture('metrics-shell-era.json'), NOW, thresholds, []);
    expect(shellReport.workers.map((worker) => worker.health)).toEqual(['healthy', 'working', 'unresponsive', 'dead']);
    expect(shellReport.stats.total_tasks).toBe(31);
    await expect(renderHealthReport(shellReport, { colorLevel: 0 })).toMatchFileSnapshot('../fixtures/health/report-shell-era.txt');
  });

  it('fits an 80-column terminal: Status, Progress and Restarts go, nothing wraps, alerts break at spaces', async () => {
    const longAlert =
      '[2026-01-01T11:59:40.000Z] [ALERT] Worker 3: authentication failed on task 1240 (Not logged in); every worker stopped claiming. Log in again, then run worker-manager resume.';
    const narrow = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, [...alerts, longAlert]);
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
    const empty = buildHealthReport(metricsSchema.parse({}), NOW, thresholds, []);
    expect(renderDashboard(empty, { colorLevel: 0 })).toContain('No workers have reported yet.');
  });
});

describe('health monitor transitions', () => {
  const report = buildHealthReport(fixture('metrics-current.json'), NOW, thresholds, []);

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
    const events = healthTransitions(report, new Map([[1, 'dead']])).events;
    expect(events).toContainEqual({ level: 'INFO', message: 'Worker 1 recovered: now healthy.' });
  });
});
