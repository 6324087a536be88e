interface Ranked<T> {
  readonly item: T;
  readonly key: number;
  readonly seq: number;
}

/**
 * Keeps the `limit` items with the largest keys from a stream of any length; on equal keys the
 * item offered later ranks first. Memory is at most twice `limit` items.
 */
export class TopN<T> {
  private kept: Ranked<T>[] = [];
  private seq = 0;
  /** Once `limit` items are kept, an item below the smallest kept key can never rank. */
  private floor = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limit: number,
    private readonly keyOf: (item: T) => number,
  ) {}

  offer(item: T): void {
    if (this.limit <= 0) return;
    const key = this.keyOf(item);
    if (key < this.floor) return;
    this.kept.push({ item, key, seq: this.seq++ });
    if (this.kept.length >= this.limit * 2) this.compact();
  }

  /** Largest key first. */
  values(): T[] {
    this.compact();
    return this.kept.map((ranked) => ranked.item);
  }

  private compact(): void {
    this.kept.sort((a, b) => b.key - a.key || b.seq - a.seq);
    this.kept.length = Math.min(this.kept.length, this.limit);
    if (this.limit > 0 && this.kept.length === this.limit) this.floor = this.kept[this.limit - 1]!.key;
  }
}
