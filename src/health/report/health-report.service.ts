import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { round2 } from '../../common/rounding.js';
import { RequestStatsStore } from '../../metrics/http/request-stats.store.js';
import { SystemMetricsService, type SystemMetricsSnapshot } from '../../metrics/system/system-metrics.service.js';
import { healthConfig, type HealthConfig } from '../config/health.config.js';
import { HealthContributionsRegistry } from '../contributions/health-contributions.registry.js';
import { DatabaseHealthIndicator } from '../indicators/database.health.js';
import { SystemHealthIndicators } from '../indicators/system.health.js';
import type { CheckStatus, HealthCheckDto, HealthIssueDto, HealthReportDto, ReportStatus } from './health-report.dto.js';

interface CheckDefinition {
  name: string;
  /** What "down" of this check (a timeout, an exception) means: a dead database is critical, a slow cache is not. */
  failure: Exclude<CheckStatus, 'ok'>;
  run: () => HealthIndicatorResult | PromiseLike<HealthIndicatorResult>;
}

/** What a check's Terminus attempt holds: the check's own result, or why it failed. */
interface AttemptEntry {
  status: string;
  result?: HealthIndicatorResult;
  message?: string;
}

/** One check's entry in its own result (`{ [name]: { status, …details } }`). */
type CheckEntry = Record<string, unknown> & { status: string };

/** The system figures without the measured folder's path, nor the statfs error that would quote it. */
function withoutDiskPath(snapshot: SystemMetricsSnapshot): Omit<SystemMetricsSnapshot, 'disk'> & { disk: object } {
  const { path: _path, error: _error, ...disk } = snapshot.disk;
  return { ...snapshot, disk };
}

const STATUS_OF: Record<CheckStatus, ReportStatus> = { ok: 'healthy', warn: 'degraded', critical: 'error' };
const SEVERITY: Record<CheckStatus, number> = { ok: 0, warn: 1, critical: 2 };

/**
 * The detailed health report: runs every Terminus indicator, the health module's own and those
 * other modules contribute, each as a Terminus attempt bounded by the check timeout, and turns
 * their up/degraded/down into healthy/degraded/error with issues.
 */
@Injectable()
export class HealthReportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealthIndicator,
    private readonly systemChecks: SystemHealthIndicators,
    private readonly contributions: HealthContributionsRegistry,
    private readonly system: SystemMetricsService,
    private readonly requests: RequestStatsStore,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  /**
   * The report of GET /health/detailed, as a 503 when its status is `error` (orchestrators and
   * dashboards read the code). While anyone may read it, it names no filesystem path and quotes
   * no failure (a driver's error can name a host or a path); admins get them in full.
   */
  async reportOrThrow(): Promise<HealthReportDto> {
    const report = await this.report({ public: this.config.detailedAccess === 'public' });
    if (report.status === 'error') throw new ServiceUnavailableException(report);
    return report;
  }

  async report(options: { public: boolean } = { public: false }): Promise<HealthReportDto> {
    const checks = await Promise.all(this.definitions().map((definition) => this.runCheck(definition, options.public)));
    const issues: HealthIssueDto[] = checks.flatMap(({ check, status, observed, threshold, message }) =>
      status === 'ok' ? [] : [{ check, status, observed, threshold, message: message ?? `${check} is ${status}` }],
    );
    const worst = checks.reduce<CheckStatus>((acc, check) => (SEVERITY[check.status] > SEVERITY[acc] ? check.status : acc), 'ok');
    return {
      status: STATUS_OF[worst],
      issues,
      metrics: {
        system: options.public ? withoutDiskPath(this.system.snapshot()) : this.system.snapshot(),
        application: this.requests.recentWindow(),
        database: { engine: this.dataSource.options.type },
        ...this.contributedFigures(),
      },
      checks,
      timestamp: new Date().toISOString(),
    };
  }

  private contributedFigures(): Record<string, unknown> {
    return this.contributions
      .all()
      .reduce<Record<string, unknown>>((all, { contribution }) => ({ ...all, ...contribution.figures?.() }), {});
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
      ...this.contributions.all().map(({ check, failure, contribution }) => ({
        name: check,
        failure,
        run: () => contribution.indicate(this.indicators.check(check)),
      })),
    ];
  }

  /** Terminus's attempt bounds the check and reports a timeout or an exception as down, with its reason. */
  private async runCheck({ name, failure, run }: CheckDefinition, isPublic: boolean): Promise<HealthCheckDto> {
    const started = performance.now();
    const attempt = await this.indicators
      .check(name)
      .attempt(async () => ({ result: await run() }))
      .withTimeout(this.config.checkTimeoutMs);
    const duration_ms = round2(performance.now() - started);
    const { status: attemptStatus, result, message } = attempt[name] as AttemptEntry;
    const entry = result?.[name] as CheckEntry | undefined;
    if (attemptStatus !== 'up' || !entry) {
      const reason = isPublic ? '' : `: ${message ?? 'no result'}`;
      return { check: name, status: failure, message: `${name} check failed${reason}`, duration_ms };
    }
    const status: CheckStatus = entry.status === 'up' ? 'ok' : entry.status === 'degraded' ? 'warn' : failure;
    return {
      check: name,
      status,
      observed: (entry.observed as number | undefined) ?? null,
      threshold: (entry.threshold as number | undefined) ?? null,
      message: typeof entry.message === 'string' ? entry.message : undefined,
      duration_ms,
    };
  }
}
