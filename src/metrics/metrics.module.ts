import { Global, Module } from '@nestjs/common';
import { HttpMetricsRecorder } from './http/http-metrics.recorder.js';
import { MetricsCoreModule } from './metrics-core.module.js';
import { MetricsTokenGuard } from './prometheus/metrics-token.guard.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { PrometheusController } from './prometheus/prometheus.controller.js';
import { RouteTemplateResolver } from './http/route-template.resolver.js';

/**
 * The HTTP side of metrics: request recording, the admin metrics API and the Prometheus
 * endpoint. `configureApp` attaches HttpMetricsRecorder to the HTTP server.
 */
@Global()
@Module({
  imports: [MetricsCoreModule],
  controllers: [MetricsController, PrometheusController],
  providers: [RouteTemplateResolver, HttpMetricsRecorder, MetricsService, MetricsTokenGuard],
  exports: [HttpMetricsRecorder, MetricsService],
})
export class MetricsModule {}
