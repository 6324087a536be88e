import { readLastLines } from '../core/log-tail.js';
import { WorkersError } from '../core/errors.js';
import type { DataPaths } from '../core/paths.js';
import type { Settings } from '../core/settings.js';
import { checkExitCode, classifyHealth, type HealthState } from '../health/classify.js';
import { openHealthStore } from '../health/open-stores.js';
import { workerKey, type WorkerRef } from '../core/worker-ref.js';
import type { HeartbeatInput } from '../health/metrics-ops.js';
import type { WorkerRecord } from '../health/metrics-schema.js';
import { runHealthMonitor, healthTransitions } from '../health/monitor.js';
import { buildHealthReport, type HealthReport } from '../health/report.js';
import { runningManagerPid } from './manager-process.js';

/** What the health commands need: the CLI builds it from the process, tests from fixtures. */
export interface HealthContext {
  readonly paths: DataPaths;
  readonly settings: Settings;
  readonly now: () => Date;
  /** WORKERS_DATABASE_URL, for the postgres store. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const RECENT_ALERTS = 5;

const serviceFor = (context: HealthContext) => openHealthStore(context);

export const recordHeartbeat = (context: HealthContext, workerId: number, input: HeartbeatInput) =>
  serviceFor(context).heartbeat(workerId, input);

export const recordCompletion = (context: HealthContext, workerId: number, success: boolean) =>
  serviceFor(context).complete(workerId, success);

export const recordRestart = (context: HealthContext, workerId: number) => serviceFor(context).restart(workerId);

export const resetMetrics = (context: HealthContext) => serviceFor(context).reset();

/** Any host's worker: `check otherhost/2` answers from the shared store. */
export async function checkWorker(context: HealthContext, worker: WorkerRef): Promise<{ state: HealthState; exitCode: number }> {
  const metrics = await serviceFor(context).readFleet();
  const state = classifyHealth(metrics.workers[workerKey(worker)], context.now(), context.settings);
  return { state, exitCode: checkExitCode(state) };
}

export async function getWorkerRecord(context: HealthContext, worker: WorkerRef): Promise<WorkerRecord & { readonly host: string }> {
  const store = serviceFor(context);
  const record = (await store.readFleet()).workers[workerKey(worker)];
  const name = worker.host === store.host ? String(worker.id) : workerKey(worker);
  if (!record) throw new WorkersError('not-found', `Worker ${name} has no metrics yet: it has never sent a heartbeat.`);
  return { host: worker.host, ...record };
}

export async function buildReport(context: HealthContext): Promise<HealthReport> {
  const store = serviceFor(context);
  const [metrics, alerts] = await Promise.all([store.readFleet(), readLastLines(context.paths.alertsLog, RECENT_ALERTS)]);
  return buildHealthReport(metrics, context.now(), context.settings, alerts, store.host);
}

/** The monitor loop, or one cycle with `once` (then every troubled worker is reported). */
export async function monitorHealth(context: HealthContext, options: { once: boolean; signal: AbortSignal }): Promise<void> {
  const service = serviceFor(context);
  const log = async (event: { level: 'INFO' | 'WARN' | 'ERROR' | 'ALERT'; message: string }) => {
    // A worker's death is the manager's ALERT while a manager runs (docs/SPEC.md section 2): here it is
    // a WARN in health.log, so one death is one line in alerts.log.
    const managerPid = event.level === 'ALERT' ? await runningManagerPid(context.paths).catch(() => null) : null;
    if (managerPid !== null) return service.events.log('WARN', `${event.message} (the manager, pid ${managerPid}, alerts on it)`);
    return service.events.log(event.level, event.message);
  };
  if (options.once) {
    for (const event of healthTransitions(await buildReport(context), new Map()).events) await log(event);
    return;
  }
  await service.events.log('INFO', `Health monitor started (every ${context.settings.HEALTH_CHECK_INTERVAL / 1000} s).`);
  await runHealthMonitor({
    intervalMs: context.settings.HEALTH_CHECK_INTERVAL,
    signal: options.signal,
    snapshot: () => buildReport(context),
    log,
  });
  await service.events.log('INFO', 'Health monitor stopped.');
}
