import { LatencyHistogram, RELATIVE_ACCURACY } from './latency.histogram.js';

/** Deterministic PRNG so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exact nearest-rank quantile, the definition the histogram approximates. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

const QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe('LatencyHistogram', () => {
  const distributions: [string, (random: () => number) => number][] = [
    ['uniform 0-1000 ms', (random) => random() * 1000],
    [
      'log-normal around 20 ms',
      (random) => Math.exp(Math.log(20) + 1.5 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())),
    ],
    ['exponential, mean 50 ms', (random) => -50 * Math.log(1 - random())],
    ['bimodal 2 ms / 800 ms', (random) => (random() < 0.9 ? 2 + random() : 800 + 400 * random())],
    ['sub-millisecond 5-900 µs', (random) => 0.005 + random() * 0.895],
  ];

  it.each(distributions)('keeps every quantile within 2 %% of the exact value (%s)', (_name, draw) => {
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const histogram = new LatencyHistogram();
      const values = Array.from({ length: 50_000 }, () => draw(random));
      for (const value of values) histogram.record(value);
      const sorted = [...values].sort((a, b) => a - b);
      for (const q of QUANTILES) {
        const exact = exactQuantile(sorted, q);
        const estimate = histogram.quantile(q);
        expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
      }
    }
  });

  it('stays within the bound for small samples too', () => {
    const random = mulberry32(42);
    for (let n = 1; n <= 40; n++) {
      const histogram = new LatencyHistogram();
      const values = Array.from({ length: n }, () => 1 + random() * 300);
      values.forEach((value) => histogram.record(value));
      const sorted = [...values].sort((a, b) => a - b);
      const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => exactQuantile(sorted, q));
      const summary = histogram.summary();
      expect(Math.abs(summary.p50 - p50) / p50).toBeLessThanOrEqual(0.02);
      expect(Math.abs(summary.p95 - p95) / p95).toBeLessThanOrEqual(0.02);
      expect(Math.abs(summary.p99 - p99) / p99).toBeLessThanOrEqual(0.02);
    }
  });

  it('reports the exact value when all values are equal, and 0 when empty', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.summary()).toEqual({ p50: 0, p95: 0, p99: 0 });
    for (let i = 0; i < 10; i++) histogram.record(123.456);
    expect(histogram.summary()).toEqual({ p50: 123.456, p95: 123.456, p99: 123.456 });
  });

  it('uses fixed memory whatever the range of values', () => {
    expect(LatencyHistogram.bucketCount).toBeLessThan(1200);
    const histogram = new LatencyHistogram();
    histogram.record(0);
    histogram.record(-5);
    histogram.record(10 * 3_600_000);
    expect(histogram.count).toBe(3);
    expect(histogram.quantile(1)).toBe(10 * 3_600_000);
    expect(histogram.quantile(0.5)).toBe(0);
  });

  it('merges histograms into exactly the one that recorded every value, through their JSON records', () => {
    const random = mulberry32(7);
    // Three replicas with different loads: one fast, one slow, one mixed.
    const draws = [() => 5 + random() * 10, () => 400 + random() * 800, () => (random() < 0.5 ? 2 : 900 * random())];
    const all = new LatencyHistogram();
    const merged = new LatencyHistogram();
    const values: number[] = [];
    for (const [replica, draw] of draws.entries()) {
      const own = new LatencyHistogram();
      for (let i = 0; i < 1000 * (replica + 1); i++) {
        const value = draw();
        own.record(value);
        all.record(value);
        values.push(value);
      }
      merged.absorb(JSON.parse(JSON.stringify(own.toRecord())));
    }
    expect(merged.count).toBe(all.count);
    expect(merged.quantiles(QUANTILES)).toEqual(all.quantiles(QUANTILES));
    const sorted = values.sort((a, b) => a - b);
    for (const q of QUANTILES)
      expect(Math.abs(merged.quantile(q) - exactQuantile(sorted, q)) / exactQuantile(sorted, q)).toBeLessThanOrEqual(0.01 + 1e-9);
  });

  it('ignores empty records and buckets it does not have', () => {
    const histogram = new LatencyHistogram();
    histogram.absorb(new LatencyHistogram().toRecord());
    histogram.absorb({ min: 0, max: 1e9, buckets: [-1, 5, LatencyHistogram.bucketCount, 5, 3, 0] });
    expect(histogram.count).toBe(0);
    expect(histogram.summary()).toEqual({ p50: 0, p95: 0, p99: 0 });
  });
});
