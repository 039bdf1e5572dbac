import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { MetricsTokenGuard } from './metrics-token.guard.js';
import { PROMETHEUS_PATH } from '../metrics.constants.js';
import { MetricsService } from '../metrics.service.js';

/** The scrape endpoint, at /metrics (outside the /api/v1 prefix). */
@ApiTags('metrics')
@Controller()
export class PrometheusController {
  constructor(private readonly metrics: MetricsService) {}

  @Get(PROMETHEUS_PATH)
  @UseGuards(MetricsTokenGuard)
  @ApiBearerAuth()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4' })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and the bearer token is missing or another' })
  exposition(): Promise<string> {
    return this.metrics.prometheusExposition();
  }
}
