import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { isExcludedRoute, metricsConfig, type MetricsConfig } from './config/metrics.config.js';
import { PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { OperationStatsService } from './operations/operation-stats.service.js';
import { RequestStatsStore } from './http/request-stats.store.js';
import { SYSTEM_PROBE, SystemMetricsService } from './system/system-metrics.service.js';
import { SystemProbe } from './system/system.probe.js';
import { SystemPrometheusMetrics } from './system/system.metrics.js';

/**
 * What any process of the app records into, HTTP server or not (the backup CLI uses it alone):
 * the shared Prometheus registry, admin-view sections, request and operation statistics and the
 * system sampler. Global, so every module can register metrics or read the figures (health).
 */
@Global()
@Module({
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
    OperationStatsService,
    SystemMetricsService,
    SystemPrometheusMetrics,
  ],
  exports: [PROMETHEUS_REGISTRY, MetricsSectionsRegistry, RequestStatsStore, OperationStatsService, SystemMetricsService],
})
export class MetricsCoreModule {}
