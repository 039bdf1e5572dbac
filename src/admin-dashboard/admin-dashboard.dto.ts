import type { HealthCheckDto, HealthIssueDto, ReportStatus } from '../health/report/health-report.dto.js';
import type { AdminMetricsDto } from '../metrics/metrics.dto.js';

/** The health part of a dashboard event: the detailed report without its figures (the metrics carry them). */
export interface DashboardHealthDto {
  status: ReportStatus;
  issues: HealthIssueDto[];
  checks: HealthCheckDto[];
}

/** What one event of `GET /api/v1/admin/metrics/stream` carries. */
export interface DashboardSnapshotDto {
  /** Counts the snapshots this process built; also the SSE event id. Every client of one period gets the same one. */
  sequence: number;
  interval_ms: number;
  /** The admin metrics view, with the `cache` and `backup` sections (last backup, age, staleness, last failure). */
  metrics: AdminMetricsDto;
  health: DashboardHealthDto;
}
