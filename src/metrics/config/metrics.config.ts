import { registerAs, type ConfigType } from '@nestjs/config';
import type { RedisOptions } from 'ioredis';
import {
  boolVar,
  ConfigError,
  instanceId,
  intVar,
  nodeEnv,
  optionalStringVar,
  PLACEHOLDER_SECRET,
  stringVar,
} from '../../common/config/env.util.js';

/** Probes, the scrape endpoint, the dashboard's event stream and its page's files: traffic whose timings say nothing of the API's. */
export const DEFAULT_EXCLUDED_PREFIXES = '/api/v1/health,/metrics,/api/v1/admin/metrics/stream,/admin/dashboard';

/** Comma-separated route prefixes, normalised to a leading slash and no trailing one. */
export function parsePrefixList(name: string, raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      if (/\s/.test(item)) throw new ConfigError(`${name} must be a comma-separated list of route prefixes, got "${item}"`);
      return `/${item.replace(/^\/+|\/+$/g, '')}`;
    });
}

/** A token left at the example files' placeholder would guard /metrics with a published value. */
function metricsToken(): string | undefined {
  const token = optionalStringVar('METRICS_TOKEN');
  if (token !== undefined && nodeEnv() === 'production' && PLACEHOLDER_SECRET.test(token)) {
    throw new ConfigError('METRICS_TOKEN is still the placeholder from the example files; set a random token');
  }
  return token;
}

export const metricsConfig = registerAs('metrics', () => ({
  /** This replica's id (INSTANCE_ID) in the admin view, its X-Instance-Id header and the cluster snapshots. */
  instance: instanceId(),
  /** false stops per-request and @MeasureTime recording (system sampling continues: health needs it). */
  enabled: boolVar('METRICS_ENABLED', true),
  slowMs: intVar('METRICS_SLOW_MS', 500, { min: 1, max: 3_600_000 }),
  /** When set, GET /metrics requires it as a bearer token. */
  token: metricsToken(),
  sampleIntervalMs: intVar('METRICS_SAMPLE_INTERVAL_MS', 5000, { min: 100, max: 3_600_000 }),
  /** Cap on distinct method + route series (and operation names); beyond it they share an overflow bucket. */
  maxSeries: intVar('METRICS_MAX_SERIES', 200, { min: 10, max: 10_000 }),
  /** Probe, scrape and stream routes left out of popular_endpoints, slow_endpoints and the recent window. */
  excludedPrefixes: parsePrefixList('METRICS_EXCLUDED_PREFIXES', stringVar('METRICS_EXCLUDED_PREFIXES', DEFAULT_EXCLUDED_PREFIXES)),
  /** Folder whose filesystem the disk figures describe; unset → the working directory (hosts pass their data folder). */
  diskPath: optionalStringVar('METRICS_DISK_PATH'),
  cluster: clusterTiming(),
}));

/** How often each replica publishes its snapshot, and how long one outlives its replica. */
function clusterTiming(): { intervalMs: number; ttlMs: number } {
  const intervalMs = intVar('METRICS_CLUSTER_INTERVAL_MS', 1000, { min: 100, max: 60_000 });
  const ttlMs = intVar('METRICS_CLUSTER_TTL_MS', 5000, { min: 300, max: 600_000 });
  // Under two intervals, one late publication would drop a live replica from the view.
  if (ttlMs < 2 * intervalMs) throw new ConfigError('METRICS_CLUSTER_TTL_MS must be at least twice METRICS_CLUSTER_INTERVAL_MS');
  return { intervalMs, ttlMs };
}

/** The Redis the replicas share their snapshots through; the host passes it (without it, each process is its own view). */
export interface MetricsRedisOptions {
  connection: RedisOptions;
  /** Prefix of the keys, outside any prefix the host clears in bulk. */
  keyPrefix: string;
}

/** What the host passes beside the environment: its Redis, and the build it runs (shown as mentorhub_build_info). */
export type MetricsConfig = ConfigType<typeof metricsConfig> & {
  redis?: MetricsRedisOptions;
  build?: { version: string; revision: string };
};

/** Whether a route template falls under one of the excluded prefixes (probes, the scrape endpoint). */
export function isExcludedRoute(prefixes: readonly string[], endpoint: string): boolean {
  return prefixes.some((prefix) => endpoint === prefix || endpoint.startsWith(`${prefix}/`));
}
