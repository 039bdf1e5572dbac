import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/access/access.decorators.js';
import type { AdminMetricsDto, MetricsResetDto } from './metrics.dto.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('admin')
@Controller('admin/metrics')
@AdminOnly()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOkResponse({ description: 'System and application metrics, per-endpoint timings, @MeasureTime operations' })
  snapshot(): AdminMetricsDto {
    return this.metrics.snapshot();
  }

  @Post('reset')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ description: 'Application counters and endpoint statistics zeroed on every replica (Prometheus counters are not)' })
  reset(): Promise<MetricsResetDto> {
    return this.metrics.reset();
  }
}
