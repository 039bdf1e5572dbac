import { Injectable } from '@nestjs/common';
import { HealthReportService } from '../health/report/health-report.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DashboardHealthDto } from './admin-dashboard.dto.js';
import type { AdminMetricsDto } from '../metrics/metrics.dto.js';

/**
 * What the dashboard shows at one moment. Every source is in memory except the health checks
 * (`SELECT 1` and the Redis ping, each bounded by HEALTH_CHECK_TIMEOUT_MS); backups come from the
 * backup status section of the metrics view, never from listing the backup folder or S3.
 */
@Injectable()
export class DashboardSnapshotService {
  constructor(
    private readonly metrics: MetricsService,
    private readonly health: HealthReportService,
  ) {}

  async build(): Promise<{ metrics: AdminMetricsDto; health: DashboardHealthDto }> {
    const { status, issues, checks } = await this.health.report();
    return { metrics: this.metrics.snapshot(), health: { status, issues, checks } };
  }
}
