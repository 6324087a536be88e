/** A histogram as the report keeps it: per-bucket counts (not cumulative), `le_s` null for +Inf. */
export interface BucketedDurations {
  readonly count: number;
  readonly sum_s: number;
  readonly buckets: readonly { readonly le_s: number | null; readonly count: number }[];
}

/**
 * One histogram family in the Prometheus text format, written as prom-client writes its own
 * (cumulative buckets, then sum and count). prom-client can only be fed one observation at a
 * time, which costs a pass over every task of the history; this takes the report's buckets as
 * they are, and its sum is the exact total rather than a float sum of bucket means.
 */
export function renderPromHistogram(name: string, help: string, durations: BucketedDurations): string {
  let cumulative = 0;
  const buckets = durations.buckets.map((bucket) => {
    cumulative += bucket.count;
    return `${name}_bucket{le="${bucket.le_s ?? '+Inf'}"} ${cumulative}`;
  });
  return [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`, ...buckets, `${name}_sum ${durations.sum_s}`, `${name}_count ${durations.count}`].join('\n');
}
