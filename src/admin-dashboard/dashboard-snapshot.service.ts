import { Injectable } from '@nestjs/common';
import { HealthReportService } from '../health/report/health-report.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { DashboardHealthDto } from './admin-dashboard.dto.js';
import type { AdminMetricsDto } from '../metrics/metrics.dto.js';

/**
 * What the dashboard shows at one moment. Every source is in memory except the database check of
 * the health report (`SELECT 1`, bounded by HEALTH_CHECK_TIMEOUT_MS): Redis is reported from the
 * cache's own state, without a ping, and backups from the status the backup module keeps, never
 * from listing the backup folder or S3.
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
