import { LatencyHistogram, type HistogramRecord } from './latency.histogram.js';

/** What the admin view shows about the durations of an endpoint or an operation. */
export interface DurationSummary {
  count: number;
  avgMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Durations as replicas exchange them: enough to merge, not only to show. */
export interface DurationRecord {
  count: number;
  sumMs: number;
  histogram: HistogramRecord;
}

/** Count, sum and a bounded histogram of durations; endpoint and operation statistics build on it. */
export class DurationStats {
  count = 0;
  private sumMs = 0;
  private readonly histogram = new LatencyHistogram();

  protected recordDuration(durationMs: number): void {
    this.count++;
    this.sumMs += durationMs;
    this.histogram.record(durationMs);
  }

  durationRecord(): DurationRecord {
    return { count: this.count, sumMs: this.sumMs, histogram: this.histogram.toRecord() };
  }

  /** Adds another process's durations of the same endpoint or operation. */
  absorbDurations(record: DurationRecord): void {
    this.count += record.count;
    this.sumMs += record.sumMs;
    this.histogram.absorb(record.histogram);
  }

  protected summary(): DurationSummary {
    const { p50, p95, p99 } = this.histogram.summary();
    return {
      count: this.count,
      avgMs: this.count ? this.sumMs / this.count : 0,
      maxMs: this.histogram.quantile(1),
      p50Ms: p50,
      p95Ms: p95,
      p99Ms: p99,
    };
  }
}
