import { Histogram, type MetricType, type Registry } from 'prom-client';

/** A histogram as the report keeps it: per-bucket counts (not cumulative), `le_s` null for +Inf. */
export interface BucketedDurations {
  readonly count: number;
  readonly sum_s: number;
  readonly buckets: readonly { readonly le_s: number | null; readonly count: number }[];
}

/**
 * A prom-client histogram that answers with the report's buckets. prom-client takes one
 * observation at a time, which would cost a pass over every task of the history; this one hands
 * its registry the buckets (cumulative, as the format wants) and the exact sum, and the registry
 * writes the text as for any other histogram.
 */
class BucketedHistogram extends Histogram<'le'> {
  constructor(
    private readonly family: { readonly name: string; readonly help: string; readonly registry: Registry },
    private readonly durations: BucketedDurations,
  ) {
    super({
      name: family.name,
      help: family.help,
      buckets: durations.buckets.flatMap((bucket) => (bucket.le_s === null ? [] : [bucket.le_s])),
      registers: [family.registry],
    });
  }

  /** prom-client's registry writes the text from this when a metric has it, as its own histogram does. */
  getForPromString() {
    return this.get();
  }

  override async get() {
    const { name, help } = this.family;
    let cumulative = 0;
    const buckets = this.durations.buckets.map((bucket) => {
      cumulative += bucket.count;
      return { labels: { le: bucket.le_s ?? '+Inf' }, value: cumulative, metricName: `${name}_bucket` };
    });
    return {
      name,
      help,
      // index.d.ts declares MetricType as a numeric enum that prom-client does not export; it uses the word.
      type: 'histogram' as unknown as MetricType,
      aggregator: 'sum' as const,
      collect: () => undefined,
      values: [
        ...buckets,
        { labels: {}, value: this.durations.sum_s, metricName: `${name}_sum` },
        { labels: {}, value: this.durations.count, metricName: `${name}_count` },
      ],
    };
  }
}

export function registerBucketedHistogram(registry: Registry, name: string, help: string, durations: BucketedDurations): void {
  new BucketedHistogram({ name, help, registry }, durations);
}
