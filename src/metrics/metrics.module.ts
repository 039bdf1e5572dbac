import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions, Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { isExcludedRoute, metricsConfig, type MetricsConfig } from './config/metrics.config.js';
import { HttpMetricsRecorder } from './http/http-metrics.recorder.js';
import { RequestStatsStore } from './http/request-stats.store.js';
import { RouteTemplateResolver } from './http/route-template.resolver.js';
import { ClusterMetricsService, METRICS_SNAPSHOT_STORAGE } from './cluster/cluster-metrics.service.js';
import { RedisMetricsSnapshotStorage } from './cluster/metrics-snapshot.storage.js';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { OperationStatsService } from './operations/operation-stats.service.js';
import { BuildInfoMetrics } from './prometheus/build-info.metrics.js';
import { MetricsTokenGuard } from './prometheus/metrics-token.guard.js';
import { PrometheusController } from './prometheus/prometheus.controller.js';
import { SYSTEM_PROBE, SystemMetricsService } from './system/system-metrics.service.js';
import { SystemPrometheusMetrics } from './system/system.metrics.js';
import { SystemProbe } from './system/system.probe.js';

/** The options are the `metrics` namespace, under its key: `forRootAsync({ useFactory: metricsConfig })` reads the environment. */
const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<MetricsConfig>({
  optionsInjectionToken: metricsConfig.KEY,
})
  .setClassMethodName('forRoot')
  .build();

export type MetricsModuleAsyncOptions = ConfigurableModuleAsyncOptions<MetricsConfig>;

/**
 * Request and operation statistics, the system sampler, the admin metrics API (merged across
 * replicas when the options name a Redis) and the Prometheus endpoint. `configureApp` attaches HttpMetricsRecorder to the HTTP server; a process without
 * one (the backup CLI) records operations and samples the system all the same.
 */
// Global: other modules add admin-view sections and Prometheus metrics to it, and health reads its figures, without importing it.
@Global()
@Module({
  controllers: [MetricsController, PrometheusController],
  providers: [
    {
      provide: PROMETHEUS_REGISTRY,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    MetricsSectionsRegistry,
    {
      provide: RequestStatsStore,
      inject: [metricsConfig.KEY],
      useFactory: (config: MetricsConfig) =>
        new RequestStatsStore({ maxSeries: config.maxSeries, isProbe: (route) => isExcludedRoute(config.excludedPrefixes, route) }),
    },
    { provide: SYSTEM_PROBE, useFactory: () => new SystemProbe() },
    {
      provide: METRICS_SNAPSHOT_STORAGE,
      inject: [metricsConfig.KEY],
      useFactory: ({ redis }: MetricsConfig) => (redis ? new RedisMetricsSnapshotStorage(redis.connection, redis.keyPrefix) : null),
    },
    ClusterMetricsService,
    OperationStatsService,
    SystemMetricsService,
    SystemPrometheusMetrics,
    BuildInfoMetrics,
    RouteTemplateResolver,
    HttpMetricsRecorder,
    MetricsService,
    MetricsTokenGuard,
  ],
  exports: [
    PROMETHEUS_REGISTRY,
    MetricsSectionsRegistry,
    RequestStatsStore,
    OperationStatsService,
    SystemMetricsService,
    HttpMetricsRecorder,
    MetricsService,
  ],
})
export class MetricsModule extends ConfigurableModuleClass {}
