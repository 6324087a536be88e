import { describe, expect, it } from 'vitest';
import { CSV_HEADER } from '../../src/performance/export-csv.js';
import { analyze, buildReport, buildTimelineFor, exportReport } from '../../src/performance/commands.js';
import { renderAnalysis } from '../../src/performance/analysis-view.js';
import { renderMonitorFrame } from '../../src/performance/monitor-view.js';
import { renderEfficiency, renderReport } from '../../src/performance/report-view.js';
import { renderTimeline } from '../../src/performance/timeline-view.js';
import { buildMonitorFrame, workerEfficiency } from '../../src/performance/commands.js';
import { EXPECTED, fixtureContext } from './performance-fixture.js';

const plain = { colorLevel: 0 } as const;
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function exported(fixture: 'basic' | 'shell-era' | 'empty', format: string): Promise<string> {
  let text = '';
  await exportReport(fixtureContext(fixture), { file: '-', format, writeStdout: (chunk) => (text += chunk) });
  return text;
}

describe('worker-performance golden outputs (fixture data, fixed clock)', () => {
  it('report, as text and JSON', async () => {
    const report = await buildReport(fixtureContext('basic'));
    await expect(renderReport(report, plain)).toMatchFileSnapshot(`${EXPECTED}report.txt`);
    await expect(json(report)).toMatchFileSnapshot(`${EXPECTED}report.json`);
  });

  it('timeline of the last 24 hours, newest first, as text and JSON', async () => {
    const timeline = await buildTimelineFor(fixtureContext('basic'), {});
    expect(timeline.entries.map((entry) => entry.task_id)).not.toContain('1101');
    await expect(renderTimeline(timeline, plain)).toMatchFileSnapshot(`${EXPECTED}timeline.txt`);
    await expect(json(timeline)).toMatchFileSnapshot(`${EXPECTED}timeline.json`);
  });

  it('timeline with --since and a limit shows the newest tasks and counts the rest', async () => {
    const timeline = await buildTimelineFor(fixtureContext('basic'), { since: new Date('2026-11-26T00:00:00Z'), limit: 3 });
    expect(timeline.matching).toBe(15);
    expect(timeline.entries.map((entry) => entry.task_id)).toEqual(['1214', '1213', '1211']);
    await expect(renderTimeline(timeline, plain)).toMatchFileSnapshot(`${EXPECTED}timeline-limited.txt`);
  });

  it('analyze, as text and JSON', async () => {
    const analysis = await analyze(fixtureContext('basic'));
    await expect(renderAnalysis(analysis, plain)).toMatchFileSnapshot(`${EXPECTED}analyze.txt`);
    await expect(json(analysis)).toMatchFileSnapshot(`${EXPECTED}analyze.json`);
  });

  it('exports csv, json and prom', async () => {
    await expect(exported('basic', 'csv')).resolves.toMatchFileSnapshot(`${EXPECTED}export.csv`);
    await expect(exported('basic', 'json')).resolves.toMatchFileSnapshot(`${EXPECTED}export.json`);
    await expect(exported('basic', 'prom')).resolves.toMatchFileSnapshot(`${EXPECTED}export.prom`);
  });

  it('the CSV keeps the shell header and reads a shell-era metrics.json (no version, epoch seconds)', async () => {
    const csv = await exported('shell-era', 'csv');
    expect(csv.split('\n')[0]).toBe('Worker ID,Tasks Completed,Tasks Failed,Total Tasks,Efficiency %,Restarts,Current Status');
    expect(CSV_HEADER).toBe(csv.split('\n')[0]);
    await expect(csv).toMatchFileSnapshot(`${EXPECTED}shell-era.csv`);
  });

  it('the JSON export holds everything the report has', async () => {
    const report = await buildReport(fixtureContext('basic'));
    expect(JSON.parse(await exported('basic', 'json'))).toEqual(JSON.parse(json(report)));
  });

  it('monitor frame and efficiency', async () => {
    const frame = await buildMonitorFrame(fixtureContext('basic'), 5);
    await expect(renderMonitorFrame(frame, plain)).toMatchFileSnapshot(`${EXPECTED}monitor.txt`);
    expect(renderEfficiency(await workerEfficiency(fixtureContext('basic'), { host: 'fixture-host', id: 2 }), plain)).toBe(
      'Worker 2: 70.0% efficiency (7 of 10 task(s) succeeded, 3 failed)\n',
    );
  });

  it('an empty data root gives empty reports', async () => {
    await expect(renderReport(await buildReport(fixtureContext('empty')), plain)).toMatchFileSnapshot(`${EXPECTED}empty-report.txt`);
    await expect(renderTimeline(await buildTimelineFor(fixtureContext('empty'), {}), plain)).toMatchFileSnapshot(
      `${EXPECTED}empty-timeline.txt`,
    );
    await expect(renderAnalysis(await analyze(fixtureContext('empty')), plain)).toMatchFileSnapshot(`${EXPECTED}empty-analyze.txt`);
    expect(await exported('empty', 'csv')).toBe(`${CSV_HEADER}\n`);
  });
});
