/** Median and 99th percentile (nearest rank) of the samples, and how many there are. */
export interface SamplePercentiles {
  p50: number;
  p99: number;
  n: number;
}

/**
 * A fixed ring of the latest timings of one thing (microseconds), with their p50 and p99:
 * recording allocates nothing; the percentiles sort a copy, off the hot path (on /health).
 */
export class SampleRing {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 4096) {
    this.values = new Float64Array(size);
  }

  record(us: number): void {
    this.values[this.next] = us;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }

  /** p50 and p99 (nearest rank, rounded to 0.1 µs) of the latest samples; null before the first. */
  summary(): SamplePercentiles | null {
    if (this.count === 0) return null;
    const sorted = this.values.slice(0, this.count).sort();
    const rank = (p: number): number => Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]! * 10) / 10;
    return { p50: rank(0.5), p99: rank(0.99), n: this.count };
  }
}
