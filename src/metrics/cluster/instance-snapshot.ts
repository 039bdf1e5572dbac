import type { RequestStatsRecord } from '../http/request-stats.store.js';
import type { OperationRecord } from '../operations/operation-stats.service.js';

/** What each replica publishes about itself every METRICS_CLUSTER_INTERVAL_MS: counters and histograms, which sum. */
export interface InstanceSnapshot {
  instance: string;
  /** The cluster-wide reset this snapshot counts from: a snapshot of an older one reads as zero. */
  epoch: number;
  /** Epoch milliseconds. */
  publishedAt: number;
  requests: RequestStatsRecord;
  operations: OperationRecord[];
}

/** A snapshot read back from the shared store, or null when it is missing or not one (another version, a stray key). */
export function parseSnapshot(raw: string | null): InstanceSnapshot | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<InstanceSnapshot>;
    const valid =
      typeof value.instance === 'string' &&
      typeof value.epoch === 'number' &&
      typeof value.publishedAt === 'number' &&
      Array.isArray(value.requests?.endpoints) &&
      Array.isArray(value.operations);
    return valid ? (value as InstanceSnapshot) : null;
  } catch {
    return null;
  }
}
