import { round2 } from '../../common/rounding.js';
import { ANY_METHOD, RECENT_WINDOW_SECONDS } from '../metrics.constants.js';
import {
  EndpointStats,
  type EndpointStatsSnapshot,
  type RecentWindowStats,
  type RequestStatsRecord,
  type RequestStatsView,
  type RequestTotals,
} from '../http/request-stats.store.js';
import { OperationStats, type OperationRecord, type OperationStatsSnapshot } from '../operations/operation-stats.service.js';

/**
 * Several processes' request statistics as one: counters and rates add up, and each series'
 * histograms are summed bucket by bucket, so its percentiles are those of all its requests.
 */
export class MergedRequestStats implements RequestStatsView {
  private merged?: EndpointStats[];

  constructor(
    private readonly records: readonly RequestStatsRecord[],
    private readonly now: () => number = Date.now,
  ) {}

  totals(): RequestTotals {
    const sum = (read: (record: RequestStatsRecord) => number) => this.records.reduce((total, record) => total + read(record), 0);
    const requests = sum((record) => record.requests);
    const errors = sum((record) => record.errors);
    const since = Math.min(...this.records.map((record) => record.since));
    return {
      since: new Date(since),
      requests,
      errors,
      clientErrors: sum((record) => record.clientErrors),
      aborted: sum((record) => record.aborted),
      errorRatePercent: requests ? round2((errors / requests) * 100) : 0,
      requestsPerSecond: round2(requests / Math.max(1, (this.now() - since) / 1000)),
      series: this.series().filter((stats) => stats.method !== ANY_METHOD).length,
      overflowed: sum((record) => record.overflowed),
    };
  }

  recentWindow(): RecentWindowStats {
    let requests = 0;
    let errors = 0;
    let requestsPerSecond = 0;
    for (const { recent } of this.records) {
      requests += recent.requests;
      errors += recent.errors;
      requestsPerSecond += recent.requestsPerSecond;
    }
    return {
      windowSeconds: RECENT_WINDOW_SECONDS,
      requests,
      errors,
      errorRatePercent: requests ? round2((errors / requests) * 100) : 0,
      requestsPerSecond: round2(requestsPerSecond),
    };
  }

  endpoints(): EndpointStatsSnapshot[] {
    return this.series().map((stats) => stats.snapshot());
  }

  private series(): EndpointStats[] {
    if (this.merged) return this.merged;
    const byKey = new Map<string, EndpointStats>();
    for (const record of this.records) {
      for (const endpoint of record.endpoints) {
        const key = `${endpoint.method} ${endpoint.endpoint}`;
        let stats = byKey.get(key);
        if (!stats) {
          stats = new EndpointStats(endpoint.method, endpoint.endpoint, endpoint.probe);
          byKey.set(key, stats);
        }
        stats.absorb(endpoint);
      }
    }
    this.merged = [...byKey.values()];
    return this.merged;
  }
}

/** Several processes' @MeasureTime() statistics as one, by operation name. */
export function mergeOperations(perInstance: readonly (readonly OperationRecord[])[]): OperationStatsSnapshot[] {
  const byName = new Map<string, OperationStats>();
  for (const records of perInstance) {
    for (const record of records) {
      let stats = byName.get(record.name);
      if (!stats) {
        stats = new OperationStats();
        byName.set(record.name, stats);
      }
      stats.absorb(record);
    }
  }
  return [...byName].map(([name, stats]) => stats.snapshot(name));
}
