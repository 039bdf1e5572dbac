import { Controller, Get, HttpCode, HttpStatus, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DatabaseHealthIndicator } from './database.health.js';
import { DetailedHealthAccessGuard } from './health-access.guard.js';
import { HealthReportDto } from './health-report.dto.js';
import { HealthReportService } from './health-report.service.js';
import { NoStoreInterceptor } from './no-store.interceptor.js';
import { ShutdownHealthIndicator } from './shutdown.health.js';

@ApiTags('health')
@Controller('health')
@UseInterceptors(NoStoreInterceptor)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
    private readonly reports: HealthReportService,
  ) {}

  /** Liveness: only what says this process is broken; never the database, Redis, S3 or disk. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: the database answers and the process is not shutting down. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.shutdown.check(), this.database.check()]);
  }

  @Get('detailed')
  @UseGuards(DetailedHealthAccessGuard)
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: HealthReportDto, description: 'healthy or degraded' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'error' })
  async detailed(@Res({ passthrough: true }) response: Response): Promise<HealthReportDto> {
    const report = await this.reports.report();
    if (report.status === 'error') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
