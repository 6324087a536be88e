import { z } from 'zod';
import { classifyHealth, heartbeatAgeMs, HEALTH_STATES, type HealthThresholds } from './classify.js';
import type { FleetMetrics } from './health-store.js';
import { compareWorkers, splitWorkerKey } from '../core/worker-ref.js';

const workerReportSchema = z.object({
  /** The host the worker runs on (WORKER_HOST). */
  host: z.string(),
  id: z.number().int().positive(),
  health: z.enum(HEALTH_STATES),
  status: z.string(),
  current_task: z.string(),
  task_started_at: z.string().nullable(),
  last_heartbeat: z.string().nullable(),
  heartbeat_age_s: z.number().nullable(),
  /** When the agent last showed progress (output), for a worker that reported it. */
  last_progress_at: z.string().nullable(),
  started_at: z.string().nullable(),
  tasks_completed: z.number().int().nonnegative(),
  tasks_failed: z.number().int().nonnegative(),
  restarts: z.number().int().nonnegative(),
  pid: z.number().int().nullable(),
});

/** The document `worker-health-monitor report --json` prints; tests validate output against it. */
export const healthReportSchema = z.object({
  generated_at: z.string(),
  /** The host that made the report (WORKER_HOST); its workers are named by id alone. */
  host: z.string(),
  thresholds: z.object({ dead_worker_threshold_s: z.number(), slow_task_threshold_s: z.number() }),
  summary: z.object({
    workers: z.number().int().nonnegative(),
    by_health: z.record(z.enum(HEALTH_STATES), z.number().int().nonnegative()),
  }),
  stats: z.object({
    total_tasks: z.number().int().nonnegative(),
    successful_tasks: z.number().int().nonnegative(),
    failed_tasks: z.number().int().nonnegative(),
    restarts: z.number().int().nonnegative(),
    success_rate_percent: z.number().nullable(),
  }),
  workers: z.array(workerReportSchema),
  recent_alerts: z.array(z.string()),
});

export type HealthReport = z.infer<typeof healthReportSchema>;
export type WorkerReport = z.infer<typeof workerReportSchema>;

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Builds the report from every host's workers at `now`: one row per worker, by host, then id. */
export function buildHealthReport(
  metrics: FleetMetrics,
  now: Date,
  thresholds: HealthThresholds,
  recentAlerts: readonly string[],
  host: string,
): HealthReport {
  const workers = Object.entries(metrics.workers)
    .map(([key, record]): WorkerReport => {
      const age = heartbeatAgeMs(record, now);
      return {
        ...splitWorkerKey(key),
        health: classifyHealth(record, now, thresholds),
        status: record.status,
        current_task: record.current_task,
        task_started_at: record.task_started_at ?? null,
        last_heartbeat: record.last_heartbeat ?? null,
        heartbeat_age_s: age === undefined || !Number.isFinite(age) ? null : round1(age / 1000),
        last_progress_at: record.last_progress_at ?? null,
        started_at: record.started_at ?? null,
        tasks_completed: record.tasks_completed,
        tasks_failed: record.tasks_failed,
        restarts: record.restarts,
        pid: record.pid ?? null,
      };
    })
    .sort(compareWorkers);
  const byHealth = Object.fromEntries(HEALTH_STATES.map((state) => [state, 0])) as Record<(typeof HEALTH_STATES)[number], number>;
  for (const worker of workers) byHealth[worker.health] += 1;
  const { total_tasks, successful_tasks, failed_tasks, restarts } = metrics.stats;
  return {
    generated_at: now.toISOString(),
    host,
    thresholds: {
      dead_worker_threshold_s: thresholds.DEAD_WORKER_THRESHOLD / 1000,
      slow_task_threshold_s: thresholds.SLOW_TASK_THRESHOLD / 1000,
    },
    summary: { workers: workers.length, by_health: byHealth },
    stats: {
      total_tasks,
      successful_tasks,
      failed_tasks,
      restarts,
      success_rate_percent: total_tasks === 0 ? null : round1((successful_tasks / total_tasks) * 100),
    },
    workers,
    recent_alerts: [...recentAlerts],
  };
}
