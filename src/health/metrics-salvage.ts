import { emptyMetrics, statsSchema, workerRecordSchema, type Metrics } from './metrics-schema.js';

export interface SalvagedMetrics {
  readonly metrics: Metrics;
  readonly kept: number;
  /** Worker ids whose record failed the schema (say, a heartbeat of 2026-13-45T99:99:99Z). */
  readonly setAside: string[];
}

/**
 * Keeps every worker record of a metrics.json that still passes the schema: one bad record costs
 * that worker's counts, not every worker's. Text that is not JSON any more starts empty (the next
 * heartbeats fill it again); the whole file is kept aside by the caller either way.
 */
export function salvageMetrics(text: string): SalvagedMetrics {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { metrics: emptyMetrics(), kept: 0, setAside: [] };
  }
  const { workers, stats } = (typeof raw === 'object' && raw !== null ? raw : {}) as { workers?: unknown; stats?: unknown };
  const metrics = emptyMetrics();
  const setAside: string[] = [];
  for (const [id, record] of Object.entries(typeof workers === 'object' && workers !== null ? workers : {})) {
    const parsed = workerRecordSchema.safeParse(record);
    if (/^[1-9]\d*$/.test(id) && parsed.success) metrics.workers[id] = parsed.data;
    else setAside.push(id);
  }
  const parsedStats = statsSchema.safeParse(stats ?? {});
  if (parsedStats.success) metrics.stats = parsedStats.data;
  return { metrics, kept: Object.keys(metrics.workers).length, setAside };
}
