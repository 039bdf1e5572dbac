import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { metricsConfig, type MetricsConfig, isExcludedRoute } from './config/metrics.config.js';
import { PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { BuildInfoMetrics } from './prometheus/build-info.metrics.js';
import type { AdminMetricsDto, ClusterDto, EndpointStatsDto, MetricsResetDto } from './metrics.dto.js';
import type { EndpointStatsSnapshot } from './http/request-stats.store.js';
import { ClusterMetricsService, type ClusterView } from './cluster/cluster-metrics.service.js';
import { SystemMetricsService } from './system/system-metrics.service.js';
import { round2 } from '../common/rounding.js';

/** Length of the popular and slow lists. */
const TOP_ENDPOINTS = 10;

function endpointDto(stats: EndpointStatsSnapshot): EndpointStatsDto {
  return {
    endpoint: stats.endpoint,
    method: stats.method,
    count: stats.count,
    errors: stats.errors,
    client_errors: stats.clientErrors,
    avg_ms: round2(stats.avgMs),
    max_ms: round2(stats.maxMs),
    p50_ms: round2(stats.p50Ms),
    p95_ms: round2(stats.p95Ms),
    p99_ms: round2(stats.p99Ms),
    statuses: stats.statuses,
  };
}

/** What the view covers; a view of this replica alone says why. */
function scopeMessage(view: ClusterView): string {
  if (view.scope === 'cluster') return 'Every live replica, merged through Redis';
  switch (view.redis) {
    case 'not_configured':
      return 'This replica alone: REDIS_URL is not set';
    case 'unavailable':
      return 'This replica alone: Redis is unreachable';
    case 'available':
      return "This replica alone: the other replicas' snapshots have not been read from Redis recently";
  }
}

function clusterDto(view: ClusterView): ClusterDto {
  return {
    scope: view.scope,
    redis: view.redis,
    message: scopeMessage(view),
    refreshed_at: view.refreshedAt?.toISOString() ?? null,
  };
}

/** Builds the admin metrics view and the Prometheus exposition. */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);

  constructor(
    @Inject(metricsConfig.KEY) private readonly config: MetricsConfig,
    @Inject(PROMETHEUS_REGISTRY) private readonly registry: Registry,
    private readonly cluster: ClusterMetricsService,
    private readonly system: SystemMetricsService,
    private readonly sections: MetricsSectionsRegistry,
    private readonly build: BuildInfoMetrics,
  ) {}

  /** This replica's id (INSTANCE_ID). */
  get instance(): string {
    return this.config.instance;
  }

  snapshot(): AdminMetricsDto {
    const system = this.system.snapshot();
    const view = this.cluster.view();
    const totals = view.requests.totals();
    const recent = view.requests.recentWindow();
    const endpoints = view.requests.endpoints();
    const ranked = endpoints.filter((stats) => !this.isExcluded(stats.endpoint));
    return {
      timestamp: new Date().toISOString(),
      instance: this.config.instance,
      build: this.build.info,
      uptime_seconds: system.uptimeSeconds,
      system: {
        cpu_percent: system.cpu.machinePercent,
        memory_percent: system.memory.percent,
        memory_used_mb: system.memory.usedMb,
        memory_total_mb: system.memory.totalMb,
        disk_percent: system.disk.percent,
        disk_used_gb: system.disk.usedGb,
        disk_total_gb: system.disk.totalGb,
        process_cpu_percent: system.cpu.processPercent,
        cpu_cores: system.cpu.cores,
        memory_cgroup_limit: system.memory.cgroupLimit,
        disk_path: system.disk.path,
        ...(system.disk.error ? { disk_error: system.disk.error } : {}),
        event_loop_lag_ms: system.eventLoop.lagMs,
        event_loop_lag_p99_ms: system.eventLoop.p99Ms,
        event_loop_lag_max_ms: system.eventLoop.maxMs,
        process_memory: {
          rss_mb: system.process.rssMb,
          heap_used_mb: system.process.heapUsedMb,
          heap_total_mb: system.process.heapTotalMb,
          external_mb: system.process.externalMb,
        },
        sampled_at: system.sampledAt?.toISOString() ?? null,
      },
      application: {
        total_requests: totals.requests,
        total_errors: totals.errors,
        error_rate_percent: totals.errorRatePercent,
        requests_per_second: recent.requestsPerSecond,
        total_client_errors: totals.clientErrors,
        aborted_requests: totals.aborted,
        requests_per_second_lifetime: totals.requestsPerSecond,
        recent_window: {
          seconds: recent.windowSeconds,
          requests: recent.requests,
          errors: recent.errors,
          error_rate_percent: recent.errorRatePercent,
        },
        since: totals.since.toISOString(),
        endpoint_series: totals.series,
        overflowed_requests: totals.overflowed,
        recording_enabled: this.config.enabled,
      },
      slow_endpoints: ranked
        .filter((stats) => stats.avgMs > this.config.slowMs)
        .sort((a, b) => b.avgMs - a.avgMs)
        .slice(0, TOP_ENDPOINTS)
        .map((stats) => ({
          endpoint: stats.endpoint,
          method: stats.method,
          avg_ms: round2(stats.avgMs),
          max_ms: round2(stats.maxMs),
          p95_ms: round2(stats.p95Ms),
          count: stats.count,
        })),
      popular_endpoints: [...ranked]
        .sort((a, b) => b.count - a.count)
        .slice(0, TOP_ENDPOINTS)
        .map((stats) => ({ endpoint: stats.endpoint, method: stats.method, calls: stats.count })),
      endpoints: endpoints.sort((a, b) => b.count - a.count).map(endpointDto),
      operations: view.operations
        .sort((a, b) => b.count - a.count)
        .map((op) => ({
          name: op.name,
          count: op.count,
          errors: op.errors,
          slow: op.slow,
          avg_ms: round2(op.avgMs),
          max_ms: round2(op.maxMs),
          p50_ms: round2(op.p50Ms),
          p95_ms: round2(op.p95Ms),
          p99_ms: round2(op.p99Ms),
        })),
      instances: view.instances,
      cluster: clusterDto(view),
      ...this.sections.snapshot(),
    };
  }

  /**
   * Zeroes the JSON view on every replica (this one alone while Redis is unreachable). Prometheus
   * counters stay monotonic, or rate() would misread the drop.
   */
  async reset(): Promise<MetricsResetDto> {
    const scope = await this.cluster.reset();
    this.logger.log(
      `Application metrics reset on ${scope === 'cluster' ? 'every replica' : 'this replica'} (Prometheus counters are left untouched)`,
    );
    return { reset_at: new Date().toISOString(), scope };
  }

  prometheusExposition(): Promise<string> {
    return this.registry.metrics();
  }

  private isExcluded(endpoint: string): boolean {
    return isExcludedRoute(this.config.excludedPrefixes, endpoint);
  }
}
