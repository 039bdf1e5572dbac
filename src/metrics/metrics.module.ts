import { Global, Module } from '@nestjs/common';
import { Registry } from 'prom-client';
import { MetricsSectionsRegistry } from './metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from './metrics.constants.js';

@Global()
@Module({
  providers: [{ provide: PROMETHEUS_REGISTRY, useFactory: () => new Registry() }, MetricsSectionsRegistry],
  exports: [PROMETHEUS_REGISTRY, MetricsSectionsRegistry],
})
export class MetricsModule {}
