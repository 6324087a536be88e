import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { exportReport } from '../../src/performance/commands.js';
import { DURATION_BUCKETS_S } from '../../src/performance/history-summary.js';
import { registerBucketedHistogram } from '../../src/performance/prom-histogram.js';
import { describeWith } from '../helpers/requires.js';
import { fixtureContext } from './performance-fixture.js';

interface Sample {
  readonly value?: string;
  readonly labels?: Record<string, string>;
  readonly buckets?: Record<string, string>;
  readonly count?: string;
  readonly sum?: string;
}
interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly metrics: Sample[];
}
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

/** promtool (Debian package `prometheus`, scripts/install-system-deps.sh); the tests that run it say so (describeWith). */
const promtoolCheck = (text: string) => spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });

async function promExport(fixture: 'basic' | 'empty', queueAvailable = true): Promise<string> {
  let text = '';
  const context = fixtureContext(fixture, queueAvailable ? undefined : { available: false, reason: 'no daemon' });
  await exportReport(context, { file: '-', format: 'prom', writeStdout: (chunk) => (text += chunk) });
  return text;
}

const family = (families: Family[], name: string) => {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric family ${name}`);
  return found;
};
const valueOf = (families: Family[], name: string, labels: Record<string, string> = {}) =>
  Number(family(families, name).metrics.find((sample) => JSON.stringify(sample.labels ?? {}) === JSON.stringify(labels))?.value);

describeWith(['promtool'], 'Prometheus export checked by promtool', () => {
  it.each([
    ['fixture data', 'basic', true],
    ['an empty data root with the queue unavailable', 'empty', false],
  ] as const)('passes promtool check metrics for %s', async (_name, fixture, queueAvailable) => {
    const result = promtoolCheck(await promExport(fixture, queueAvailable));
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('promtool itself rejects a broken exposition (the check can fail)', () => {
    const result = promtoolCheck('# TYPE x counter\nx{worker="1" 3\n');
    expect(result.status).not.toBe(0);
  });
});

describe('Prometheus export', () => {
  it('parses with parse-prometheus-text-format and carries the report numbers', async () => {
    const families = parsePrometheusTextFormat(await promExport('basic'));
    for (const metric of families) expect(metric.help.length).toBeGreaterThan(0);
    expect(family(families, 'hybrid_workers_tasks_total').type).toBe('COUNTER');
    expect(valueOf(families, 'hybrid_workers_tasks_total', { host: 'fixture-host', worker: '1', result: 'succeeded' })).toBe(19);
    expect(valueOf(families, 'hybrid_workers_tasks_total', { host: 'fixture-host', worker: '3', result: 'failed' })).toBe(5);
    expect(valueOf(families, 'hybrid_workers_worker_restarts_total', { host: 'fixture-host', worker: '3' })).toBe(4);
    expect(valueOf(families, 'hybrid_workers_worker_state', { host: 'fixture-host', worker: '3', state: 'slow' })).toBe(1);
    expect(valueOf(families, 'hybrid_workers_worker_state', { host: 'fixture-host', worker: '3', state: 'working' })).toBe(0);
    expect(valueOf(families, 'hybrid_workers_queue_tasks', { state: 'pending' })).toBe(12);
    expect(valueOf(families, 'hybrid_workers_queue_tasks', { state: 'running' })).toBe(2);
    expect(valueOf(families, 'hybrid_workers_task_cost_usd_total', { host: 'fixture-host', worker: '3' })).toBeCloseTo(2.37, 6);
    expect(valueOf(families, 'hybrid_workers_task_tokens_total', { host: 'fixture-host', worker: '1', direction: 'input' })).toBe(62000);
    expect(valueOf(families, 'hybrid_workers_task_turns_total', { host: 'fixture-host', worker: '2' })).toBe(53);
    const histogram = family(families, 'hybrid_workers_task_duration_seconds');
    expect(histogram.type).toBe('HISTOGRAM');
    const [durations] = histogram.metrics;
    expect(Number(durations?.count)).toBe(15);
    expect(Number(durations?.sum)).toBeCloseTo(8685, 6);
    expect(durations?.buckets).toMatchObject({ '60': '1', '300': '7', '900': '12', '1800': '13', '3600': '15', '+Inf': '15' });
  });

  it('marks the queue down, with no depth samples, when the backend cannot answer', async () => {
    const families = parsePrometheusTextFormat(await promExport('empty', false));
    expect(valueOf(families, 'hybrid_workers_queue_up')).toBe(0);
    expect(families.find((metric) => metric.name === 'hybrid_workers_queue_tasks')?.metrics ?? []).toEqual([]);
  });
});

describe('registerBucketedHistogram', () => {
  /** prom-client's own text for the same observations, one at a time. */
  async function promClientText(observations: readonly number[]): Promise<string> {
    const registry = new Registry();
    const histogram = new Histogram({ name: 'd_seconds', help: 'Durations.', buckets: [...DURATION_BUCKETS_S], registers: [registry] });
    histogram.zero({});
    for (const value of observations) histogram.observe(value);
    return registry.getSingleMetricAsString('d_seconds');
  }

  function bucketed(observations: readonly number[]) {
    const limits = [...DURATION_BUCKETS_S, null];
    const buckets = limits.map((le_s, index) => ({
      le_s,
      count: observations.filter((value) => (le_s === null || value <= le_s) && (index === 0 || value > limits[index - 1]!)).length,
    }));
    return { count: observations.length, sum_s: observations.reduce((total, value) => total + value, 0), buckets };
  }

  it.each([
    ['no tasks', []],
    ['tasks in several buckets, on bucket limits and past the last', [10, 30, 45, 45, 200, 900, 20_000]],
  ])('writes what prom-client writes for %s', async (_name, observations: number[]) => {
    const registry = new Registry();
    registerBucketedHistogram(registry, 'd_seconds', 'Durations.', bucketed(observations));
    expect(await registry.getSingleMetricAsString('d_seconds')).toBe(await promClientText(observations));
  });
});
