import { performance } from 'node:perf_hooks';
import { DurationStats, type DurationRecord, type DurationSummary } from '../stats/duration.stats.js';
import { ANY_METHOD, OVERFLOW_ENDPOINT, RECENT_WINDOW_SECONDS, UNMATCHED_ENDPOINT } from '../metrics.constants.js';
import { round2 } from '../../common/rounding.js';

export interface EndpointStatsSnapshot extends DurationSummary {
  method: string;
  /** Route template with the global prefix (`/api/v1/mentors/:id`), or one of the shared buckets. */
  endpoint: string;
  /** 5xx responses. */
  errors: number;
  /** 4xx responses (aborted requests count here as 499). */
  clientErrors: number;
  /** Responses per status code. */
  statuses: Record<string, number>;
}

/** Figures over the last RECENT_WINDOW_SECONDS, probes left out, e.g. for "error rate above 1 % over the recent window". */
export interface RecentWindowStats {
  windowSeconds: number;
  requests: number;
  /** 5xx responses. */
  errors: number;
  /** errors / requests × 100, 0 without requests. */
  errorRatePercent: number;
  requestsPerSecond: number;
}

export interface RequestTotals {
  /** Start of the counting: process start or the last reset. */
  since: Date;
  requests: number;
  errors: number;
  clientErrors: number;
  aborted: number;
  errorRatePercent: number;
  /** Average since `since`. */
  requestsPerSecond: number;
  /** Distinct method + route series held. */
  series: number;
  /** Requests that went to the overflow bucket because the series cap was reached. */
  overflowed: number;
}

/** One series as replicas exchange it (see ClusterMetricsService). */
export interface EndpointRecord {
  method: string;
  endpoint: string;
  probe: boolean;
  errors: number;
  clientErrors: number;
  statuses: Record<string, number>;
  durations: DurationRecord;
}

/** Everything the admin view shows about one process's requests, in a form that sums across processes. */
export interface RequestStatsRecord {
  /** Start of the counting, epoch milliseconds. */
  since: number;
  requests: number;
  errors: number;
  clientErrors: number;
  aborted: number;
  overflowed: number;
  recent: { requests: number; errors: number; requestsPerSecond: number };
  endpoints: EndpointRecord[];
}

/** What the admin view reads: one process's live statistics, or the cluster's merged ones. */
export interface RequestStatsView {
  totals(): RequestTotals;
  recentWindow(): RecentWindowStats;
  endpoints(): EndpointStatsSnapshot[];
}

export interface RequestStatsOptions {
  /** Cap on distinct method + route series (the shared buckets do not count). */
  maxSeries: number;
  /** Monotonic clock in milliseconds. */
  now?: () => number;
  /**
   * Routes left out of the recent window (probes, scrapes): a readiness probe answering 503
   * during a database outage must not also read as the application's error rate.
   */
  isProbe?: (route: string) => boolean;
}

export class EndpointStats extends DurationStats {
  errors = 0;
  clientErrors = 0;
  readonly statuses = new Map<number, number>();

  constructor(
    readonly method: string,
    readonly endpoint: string,
    readonly probe = false,
  ) {
    super();
  }

  record(status: number, durationMs: number): void {
    this.recordDuration(durationMs);
    if (status >= 500) this.errors++;
    else if (status >= 400) this.clientErrors++;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  toRecord(): EndpointRecord {
    const { method, endpoint, probe, errors, clientErrors } = this;
    return { method, endpoint, probe, errors, clientErrors, statuses: Object.fromEntries(this.statuses), durations: this.durationRecord() };
  }

  absorb(record: EndpointRecord): void {
    this.absorbDurations(record.durations);
    this.errors += record.errors;
    this.clientErrors += record.clientErrors;
    for (const [status, count] of Object.entries(record.statuses))
      this.statuses.set(Number(status), (this.statuses.get(Number(status)) ?? 0) + count);
  }

  snapshot(): EndpointStatsSnapshot {
    const byStatus = [...this.statuses].sort(([a], [b]) => a - b);
    return {
      method: this.method,
      endpoint: this.endpoint,
      ...this.summary(),
      errors: this.errors,
      clientErrors: this.clientErrors,
      statuses: Object.fromEntries(byStatus.map(([status, count]) => [String(status), count])),
    };
  }
}

/**
 * Per-endpoint statistics and the application totals of the admin metrics view. The hot path
 * (`record`) is two map lookups and a few increments; memory is bounded by the series cap
 * (a fixed-size histogram per series) and a 60-slot ring for the recent window.
 */
export class RequestStatsStore implements RequestStatsView {
  private readonly maxSeries: number;
  private readonly now: () => number;
  private readonly isProbe: (route: string) => boolean;
  /** route → method → stats: no key string is built per request. */
  private readonly routes = new Map<string, Map<string, EndpointStats>>();
  private seriesCount = 0;
  private unmatched!: EndpointStats;
  private overflow!: EndpointStats;
  private overflowed = 0;
  private requests = 0;
  private errors = 0;
  private clientErrors = 0;
  private aborted = 0;
  private sinceMs = 0;
  private sinceDate = new Date();
  /** One slot per second: which second it holds, and its request and 5xx counts. */
  private readonly slotSecond = new Float64Array(RECENT_WINDOW_SECONDS);
  private readonly slotRequests = new Uint32Array(RECENT_WINDOW_SECONDS);
  private readonly slotErrors = new Uint32Array(RECENT_WINDOW_SECONDS);

  constructor(options: RequestStatsOptions) {
    this.maxSeries = options.maxSeries;
    this.now = options.now ?? (() => performance.now());
    this.isProbe = options.isProbe ?? (() => false);
    this.reset();
  }

  /**
   * Counts one finished (or aborted) request. `route` is the matched route template, or
   * undefined when no route matched: all of those share one bucket.
   */
  record(method: string, route: string | undefined, status: number, durationMs: number, aborted = false): void {
    this.requests++;
    const isError = status >= 500;
    if (isError) this.errors++;
    else if (status >= 400) this.clientErrors++;
    if (aborted) this.aborted++;
    const stats = this.statsFor(method, route);
    stats.record(status, durationMs);
    if (!stats.probe) this.countInWindow(isError);
  }

  reset(): void {
    this.routes.clear();
    this.seriesCount = 0;
    this.unmatched = new EndpointStats(ANY_METHOD, UNMATCHED_ENDPOINT);
    this.overflow = new EndpointStats(ANY_METHOD, OVERFLOW_ENDPOINT);
    this.overflowed = 0;
    this.requests = 0;
    this.errors = 0;
    this.clientErrors = 0;
    this.aborted = 0;
    this.sinceMs = this.now();
    this.sinceDate = new Date();
    this.slotSecond.fill(-1);
    this.slotRequests.fill(0);
    this.slotErrors.fill(0);
  }

  totals(): RequestTotals {
    const elapsedSeconds = Math.max(1, (this.now() - this.sinceMs) / 1000);
    return {
      since: this.sinceDate,
      requests: this.requests,
      errors: this.errors,
      clientErrors: this.clientErrors,
      aborted: this.aborted,
      errorRatePercent: this.requests ? round2((this.errors / this.requests) * 100) : 0,
      requestsPerSecond: round2(this.requests / elapsedSeconds),
      series: this.seriesCount,
      overflowed: this.overflowed,
    };
  }

  recentWindow(): RecentWindowStats {
    const nowMs = this.now();
    const currentSecond = Math.floor(nowMs / 1000);
    let requests = 0;
    let errors = 0;
    for (let slot = 0; slot < RECENT_WINDOW_SECONDS; slot++) {
      if (this.slotSecond[slot] > currentSecond - RECENT_WINDOW_SECONDS) {
        requests += this.slotRequests[slot];
        errors += this.slotErrors[slot];
      }
    }
    // Right after start or a reset the window is shorter than 60 s; dividing by 60 would understate the rate.
    const coveredSeconds = Math.min(RECENT_WINDOW_SECONDS, Math.max(1, (nowMs - this.sinceMs) / 1000));
    return {
      windowSeconds: RECENT_WINDOW_SECONDS,
      requests,
      errors,
      errorRatePercent: requests ? round2((errors / requests) * 100) : 0,
      requestsPerSecond: round2(requests / coveredSeconds),
    };
  }

  /** Every series with at least one request, the shared buckets included. */
  endpoints(): EndpointStatsSnapshot[] {
    return this.series().map((stats) => stats.snapshot());
  }

  toRecord(): RequestStatsRecord {
    const recent = this.recentWindow();
    return {
      since: this.sinceDate.getTime(),
      requests: this.requests,
      errors: this.errors,
      clientErrors: this.clientErrors,
      aborted: this.aborted,
      overflowed: this.overflowed,
      recent: { requests: recent.requests, errors: recent.errors, requestsPerSecond: recent.requestsPerSecond },
      endpoints: this.series().map((stats) => stats.toRecord()),
    };
  }

  private series(): EndpointStats[] {
    const all: EndpointStats[] = [];
    for (const byMethod of this.routes.values()) all.push(...byMethod.values());
    if (this.unmatched.count) all.push(this.unmatched);
    if (this.overflow.count) all.push(this.overflow);
    return all;
  }

  private statsFor(method: string, route: string | undefined): EndpointStats {
    if (route === undefined) return this.unmatched;
    let byMethod = this.routes.get(route);
    const existing = byMethod?.get(method);
    if (existing) return existing;
    if (this.seriesCount >= this.maxSeries) {
      this.overflowed++;
      return this.overflow;
    }
    if (!byMethod) {
      byMethod = new Map();
      this.routes.set(route, byMethod);
    }
    const created = new EndpointStats(method, route, this.isProbe(route));
    byMethod.set(method, created);
    this.seriesCount++;
    return created;
  }

  private countInWindow(isError: boolean): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % RECENT_WINDOW_SECONDS;
    if (this.slotSecond[slot] !== second) {
      this.slotSecond[slot] = second;
      this.slotRequests[slot] = 0;
      this.slotErrors[slot] = 0;
    }
    this.slotRequests[slot]++;
    if (isError) this.slotErrors[slot]++;
  }
}
