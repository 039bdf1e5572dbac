import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { isExcludedRoute, metricsConfig, type MetricsConfig } from './metrics.config.js';
import { PROMETHEUS_REGISTRY } from './metrics.constants.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { OperationStatsService } from './operation-stats.service.js';
import { PrometheusController } from './prometheus.controller.js';
import { RequestStatsStore } from './request-stats.store.js';
import { RouteTemplateResolver } from './route-template.resolver.js';
import { SYSTEM_PROBE, SystemMetricsService } from './system-metrics.service.js';
import { SystemProbe } from './system.probe.js';

/**
 * Request statistics, system figures, @MeasureTime operations, the admin metrics API and the
 * Prometheus endpoint. Global: any module can register Prometheus metrics on the shared
 * registry, add a section to the admin view, or read the system and request figures (health).
 * `configureApp` mounts HttpMetricsMiddleware ahead of the body parsers.
 */
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
    RouteTemplateResolver,
    HttpMetricsMiddleware,
    OperationStatsService,
    SystemMetricsService,
    MetricsService,
    MetricsTokenGuard,
  ],
  exports: [PROMETHEUS_REGISTRY, MetricsSectionsRegistry, RequestStatsStore, SystemMetricsService, HttpMetricsMiddleware],
})
export class MetricsModule {}
