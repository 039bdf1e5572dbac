/** Relative accuracy of every quantile the histogram reports (1 %). */
export const RELATIVE_ACCURACY = 0.01;
/** Smallest and largest durations told apart; outside, values share the edge buckets. */
export const MIN_TRACKED_MS = 0.001;
export const MAX_TRACKED_MS = 3_600_000;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const BUCKETS = Math.ceil(Math.log(MAX_TRACKED_MS / MIN_TRACKED_MS) / LOG_GAMMA) + 1;
/** Every value in bucket i ∈ (MIN·γ^(i-1), MIN·γ^i] is within RELATIVE_ACCURACY of this midpoint. */
const REPRESENTATIVE = Float64Array.from({ length: BUCKETS }, (_, i) => (MIN_TRACKED_MS * 2 * GAMMA ** i) / (GAMMA + 1));

/** A histogram as replicas exchange it: only the buckets that hold values, as flat `[index, count, …]` pairs. */
export interface HistogramRecord {
  min: number;
  max: number;
  buckets: number[];
}

export interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Log-bucketed latency histogram (the DDSketch idea): buckets grow by γ ≈ 1.02, so a quantile
 * read from a bucket is within 1 % of the exact one whatever the distribution, in fixed memory
 * (one Uint32Array of ~1,100 counters, 4.4 kB) however many values are recorded.
 */
export class LatencyHistogram {
  static readonly bucketCount = BUCKETS;

  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private min = Infinity;
  private max = 0;

  record(ms: number): void {
    const value = ms > 0 ? ms : 0;
    const index = value <= MIN_TRACKED_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(value / MIN_TRACKED_MS) / LOG_GAMMA));
    this.counts[index]++;
    this.total++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  get count(): number {
    return this.total;
  }

  toRecord(): HistogramRecord {
    const buckets: number[] = [];
    for (let index = 0; index < BUCKETS; index++) if (this.counts[index]) buckets.push(index, this.counts[index]);
    return { min: this.total ? this.min : 0, max: this.max, buckets };
  }

  /**
   * Adds another histogram's values, as if they had been recorded here: the buckets are the same
   * everywhere, so quantiles of the sum keep the 1 % accuracy (averaging quantiles would not).
   */
  absorb(record: HistogramRecord): void {
    const { buckets } = record;
    let added = 0;
    for (let pair = 0; pair + 1 < buckets.length; pair += 2) {
      const index = buckets[pair];
      const count = buckets[pair + 1];
      if (!Number.isInteger(index) || index < 0 || index >= BUCKETS || !(count > 0)) continue;
      this.counts[index] += count;
      added += count;
    }
    if (added === 0) return;
    this.total += added;
    if (record.min < this.min) this.min = record.min;
    if (record.max > this.max) this.max = record.max;
  }

  /** Nearest-rank quantile (the ⌈q·n⌉-th smallest value), clamped to the exact min and max seen; 0 when empty. */
  quantile(q: number): number {
    return this.quantiles([q])[0];
  }

  /** Several quantiles in one pass over the buckets; `qs` must be ascending. */
  quantiles(qs: readonly number[]): number[] {
    const results = qs.map(() => 0);
    if (this.total === 0) return results;
    let next = 0;
    let cumulative = 0;
    for (let index = 0; index < BUCKETS && next < qs.length; index++) {
      cumulative += this.counts[index];
      let rank: number;
      while (next < qs.length && cumulative >= (rank = Math.max(1, Math.ceil(qs[next] * this.total)))) {
        // The extremes are known exactly, and the last bucket also holds everything beyond MAX_TRACKED_MS.
        if (rank === this.total || index === BUCKETS - 1) results[next++] = this.max;
        else if (rank === 1 || index === 0) results[next++] = this.min;
        else results[next++] = Math.min(this.max, Math.max(this.min, REPRESENTATIVE[index]));
      }
    }
    return results;
  }

  summary(): Quantiles {
    const [p50, p95, p99] = this.quantiles([0.5, 0.95, 0.99]);
    return { p50, p95, p99 };
  }
}
