import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { DatabaseHealthIndicator } from './indicators/database.health.js';
import { AccessFrom } from '../common/access/access.decorators.js';
import { DetailedHealthAccess } from './detailed-health.access.js';
import { NoStore } from './no-store.decorator.js';
import { HealthReportDto } from './report/health-report.dto.js';
import { HealthReportService } from './report/health-report.service.js';
import { ShutdownHealthIndicator } from './indicators/shutdown.health.js';
import { SystemHealthIndicators } from './indicators/system.health.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly shutdown: ShutdownHealthIndicator,
    private readonly system: SystemHealthIndicators,
    private readonly reports: HealthReportService,
  ) {}

  /** Liveness: only what says this process is broken; never the database, Redis, S3 or disk. */
  @Get('live')
  @NoStore()
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.system.eventLoopLiveness()]);
  }

  /** Readiness: the database answers and the process is not shutting down. */
  @Get('ready')
  @NoStore()
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.shutdown.check(), this.database.check()]);
  }

  @Get('detailed')
  @NoStore()
  @AccessFrom(DetailedHealthAccess, 'HEALTH_DETAILED_ACCESS=admin and the caller is not an admin')
  @ApiOkResponse({ type: HealthReportDto, description: 'healthy or degraded' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'error' })
  detailed(): Promise<HealthReportDto> {
    return this.reports.reportOrThrow();
  }
}
