/** The most recent `capacity` durations in a fixed ring, for quantiles in bounded memory. */
export class DurationWindow {
  private readonly ring: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity);
  }

  push(value: number): void {
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Nearest-rank quantile (an observed value, never an interpolation); null when empty. */
  quantile(q: number): number | null {
    if (this.size === 0) return null;
    const sorted = this.ring.slice(0, this.size).sort();
    return sorted[Math.max(0, Math.ceil(q * this.size) - 1)]!;
  }
}
