import { Counter, Gauge, Registry } from 'prom-client';
import { HEALTH_STATES } from '../health/classify.js';
import { registerBucketedHistogram } from './prom-histogram.js';
import { registerOutcomes } from './outcomes-prom.js';
import type { CostReport, PerformanceReport } from './report.js';
import { splitWorkerKey } from '../core/worker-ref.js';

const PREFIX = 'hybrid_workers_';

/** The worker-labelled cost counters; workers whose agent reported nothing get no sample. */
function registerCost(registry: Registry, report: PerformanceReport): void {
  const cost = new Counter({
    name: `${PREFIX}task_cost_usd_total`,
    help: 'Agent cost of finished tasks in US dollars, as reported by the agent.',
    labelNames: ['host', 'worker'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: `${PREFIX}task_tokens_total`,
    help: 'Agent tokens used by finished tasks.',
    labelNames: ['host', 'worker', 'direction'],
    registers: [registry],
  });
  const turns = new Counter({
    name: `${PREFIX}task_turns_total`,
    help: 'Agent turns taken by finished tasks.',
    labelNames: ['host', 'worker'],
    registers: [registry],
  });
  const add = (labels: { host: string; worker: string }, part: CostReport) => {
    if (part.tasks_with_cost > 0) cost.inc(labels, part.total_usd);
    if (part.input_tokens + part.output_tokens > 0) {
      tokens.inc({ ...labels, direction: 'input' }, part.input_tokens);
      tokens.inc({ ...labels, direction: 'output' }, part.output_tokens);
    }
    if (part.num_turns > 0) turns.inc(labels, part.num_turns);
  };
  for (const row of report.workers) add({ host: row.host, worker: String(row.id) }, row.history.cost);
}

function registerWorkers(registry: Registry, report: PerformanceReport): void {
  const tasks = new Counter({
    name: `${PREFIX}tasks_total`,
    help: 'Tasks finished by each worker, by result.',
    labelNames: ['host', 'worker', 'result'],
    registers: [registry],
  });
  const restarts = new Counter({
    name: `${PREFIX}worker_restarts_total`,
    help: 'Restarts of each worker.',
    labelNames: ['host', 'worker'],
    registers: [registry],
  });
  const efficiency = new Gauge({
    name: `${PREFIX}worker_efficiency_ratio`,
    help: 'Succeeded tasks over finished tasks for each worker (0 without tasks).',
    labelNames: ['host', 'worker'],
    registers: [registry],
  });
  const state = new Gauge({
    name: `${PREFIX}worker_state`,
    help: 'Health state of each worker: 1 for its current state, 0 for the others.',
    labelNames: ['host', 'worker', 'state'],
    registers: [registry],
  });
  for (const row of report.workers) {
    const labels = { host: row.host, worker: String(row.id) };
    tasks.inc({ ...labels, result: 'succeeded' }, row.succeeded);
    tasks.inc({ ...labels, result: 'failed' }, row.failed);
    restarts.inc(labels, row.restarts);
    efficiency.set(labels, row.efficiency_percent / 100);
    for (const name of HEALTH_STATES) state.set({ ...labels, state: name }, row.health === name ? 1 : 0);
  }
}

function registerQueue(registry: Registry, report: PerformanceReport): void {
  const up = new Gauge({ name: `${PREFIX}queue_up`, help: 'Whether the queue backend answered (1) or not (0).', registers: [registry] });
  const depth = new Gauge({
    name: `${PREFIX}queue_tasks`,
    help: 'Tasks in the queue by state.',
    labelNames: ['state'],
    registers: [registry],
  });
  up.set(report.queue.available ? 1 : 0);
  if (!report.queue.available) return;
  depth.set({ state: 'pending' }, report.queue.pending);
  depth.set({ state: 'running' }, report.queue.running);
}

/** What only a live server knows (`worker-performance serve`'s /metrics); an export leaves these out. */
export interface LiveFacts {
  /** Keyed `host/id`. */
  readonly heartbeatAgeS: ReadonlyMap<string, number>;
  readonly poolPaused: boolean;
}

function registerLive(registry: Registry, live: LiveFacts): void {
  const age = new Gauge({
    name: `${PREFIX}worker_heartbeat_age_seconds`,
    help: 'Seconds since each worker last reported.',
    labelNames: ['host', 'worker'],
    registers: [registry],
  });
  for (const [key, seconds] of live.heartbeatAgeS) {
    const { host, id } = splitWorkerKey(key);
    age.set({ host, worker: String(id) }, seconds);
  }
  const paused = new Gauge({
    name: `${PREFIX}pool_paused`,
    help: 'Whether the pool is paused (a usage limit or an authentication hold): 1, or 0.',
    registers: [registry],
  });
  paused.set(live.poolPaused ? 1 : 0);
}

/** The Prometheus text exposition format, for node_exporter's textfile collector and the server's /metrics. */
export async function renderProm(report: PerformanceReport, live?: LiveFacts): Promise<string> {
  const registry = new Registry();
  if (live !== undefined) registerLive(registry, live);
  registerWorkers(registry, report);
  registerQueue(registry, report);
  registerBucketedHistogram(
    registry,
    `${PREFIX}task_duration_seconds`,
    'Duration of finished tasks from the task history.',
    report.duration_histogram,
  );
  registerCost(registry, report);
  if (report.outcomes !== undefined) registerOutcomes(registry, report.outcomes);
  const invalid = new Gauge({
    name: `${PREFIX}history_invalid_lines`,
    help: 'Lines of the task history that are not valid records.',
    registers: [registry],
  });
  invalid.set(report.history.invalid_lines);
  const generated = new Gauge({
    name: `${PREFIX}performance_generated_timestamp_seconds`,
    help: 'When this export was produced (Unix time).',
    registers: [registry],
  });
  generated.set(Date.parse(report.generated_at) / 1000);
  return registry.metrics();
}
