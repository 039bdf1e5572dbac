import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BackupStatusService } from '../../backup/backup-status.service.js';
import { CacheService } from '../../cache/cache.service.js';
import { RequestStatsStore } from '../../metrics/http/request-stats.store.js';
import { SystemMetricsService } from '../../metrics/system/system-metrics.service.js';
import { BackupHealthIndicator } from '../backup.health.js';
import { CacheHealthIndicator } from '../cache.health.js';
import { DatabaseHealthIndicator } from '../indicators/database.health.js';
import { healthConfig, type HealthConfig } from '../config/health.config.js';
import type { CheckStatus, HealthCheckDto, HealthIssueDto, HealthReportDto, ReportStatus } from './health-report.dto.js';
import { SystemHealthIndicators } from '../indicators/system.health.js';

interface CheckDefinition {
  name: string;
  /** What "down" (or a timeout) of this check means: a dead database is critical, a slow cache is not. */
  failure: Exclude<CheckStatus, 'ok'>;
  run: () => HealthIndicatorResult | PromiseLike<HealthIndicatorResult>;
}

const STATUS_OF: Record<CheckStatus, ReportStatus> = { ok: 'healthy', warn: 'degraded', critical: 'error' };
const SEVERITY: Record<CheckStatus, number> = { ok: 0, warn: 1, critical: 2 };

/**
 * The detailed health report: runs every Terminus indicator (each bounded by the check timeout
 * and timed) and turns their up/degraded/down into SPEC's healthy/degraded/error with issues.
 */
@Injectable()
export class HealthReportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly database: DatabaseHealthIndicator,
    private readonly cache: CacheHealthIndicator,
    private readonly backup: BackupHealthIndicator,
    private readonly systemChecks: SystemHealthIndicators,
    private readonly system: SystemMetricsService,
    private readonly requests: RequestStatsStore,
    private readonly cacheService: CacheService,
    private readonly backupStatus: BackupStatusService,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  /** The report, as a 503 when its status is `error` (orchestrators and dashboards read the code). */
  async reportOrThrow(): Promise<HealthReportDto> {
    const report = await this.report();
    if (report.status === 'error') throw new ServiceUnavailableException(report);
    return report;
  }

  async report(): Promise<HealthReportDto> {
    const checks = await Promise.all(this.definitions().map((definition) => this.runCheck(definition)));
    const issues: HealthIssueDto[] = checks.flatMap(({ check, status, observed, threshold, message }) =>
      status === 'ok' ? [] : [{ check, status, observed, threshold, message: message ?? `${check} is ${status}` }],
    );
    const worst = checks.reduce<CheckStatus>((acc, check) => (SEVERITY[check.status] > SEVERITY[acc] ? check.status : acc), 'ok');
    return {
      status: STATUS_OF[worst],
      issues,
      metrics: {
        system: this.system.snapshot(),
        application: this.requests.recentWindow(),
        database: { engine: this.dataSource.options.type },
        cache: this.cacheFigures(),
        backup: this.backupFigures(),
      },
      checks,
      timestamp: new Date().toISOString(),
    };
  }

  /** The cache's state without its address or last error: the report may be public. */
  private cacheFigures() {
    const { store, redisConfigured, redisHealthy, degraded, since } = this.cacheService.status();
    return { store, redisConfigured, redisHealthy, degraded, since };
  }

  /** Backup freshness without failure reasons (they can quote tool output); admins read them at /admin/backups/status. */
  private backupFigures() {
    const { enabled, running, lastSuccess, lastVerifiedAt, lastFailure, lastRunOk, nextRunAt, stale, ageMs } =
      this.backupStatus.getStatus();
    return {
      enabled,
      running,
      lastSuccessAt: lastSuccess?.at ?? null,
      lastVerifiedAt,
      lastFailure: lastFailure && { at: lastFailure.at, stage: lastFailure.stage },
      lastRunOk,
      nextRunAt,
      stale,
      ageMs,
    };
  }

  private definitions(): CheckDefinition[] {
    const system = this.systemChecks;
    return [
      { name: 'database', failure: 'critical', run: () => this.database.check() },
      { name: 'disk', failure: 'critical', run: () => system.disk() },
      { name: 'cpu', failure: 'warn', run: () => system.cpu() },
      { name: 'memory', failure: 'warn', run: () => system.memory() },
      { name: 'heap', failure: 'warn', run: () => system.heap() },
      { name: 'event_loop', failure: 'warn', run: () => system.eventLoop() },
      { name: 'error_rate', failure: 'warn', run: () => system.errorRate() },
      { name: 'redis', failure: 'warn', run: () => this.cache.check() },
      { name: 'backup', failure: 'warn', run: () => this.backup.check() },
    ];
  }

  private async runCheck(definition: CheckDefinition): Promise<HealthCheckDto> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.config.checkTimeoutMs)));
    let result: HealthIndicatorResult | undefined;
    try {
      result = await Promise.race([Promise.resolve().then(definition.run), timedOut]);
    } catch {
      result = undefined;
    } finally {
      clearTimeout(timer);
    }
    const duration_ms = Math.round((performance.now() - started) * 100) / 100;
    const entry = result?.[definition.name] as (Record<string, unknown> & { status: string }) | undefined;
    if (!entry) {
      return {
        check: definition.name,
        status: definition.failure,
        message: `${definition.name} check timed out after ${this.config.checkTimeoutMs} ms`,
        duration_ms,
      };
    }
    const status: CheckStatus = entry.status === 'up' ? 'ok' : entry.status === 'degraded' ? 'warn' : definition.failure;
    return {
      check: definition.name,
      status,
      observed: (entry.observed as number | undefined) ?? null,
      threshold: (entry.threshold as number | undefined) ?? null,
      message: typeof entry.message === 'string' ? entry.message : undefined,
      duration_ms,
    };
  }
}
