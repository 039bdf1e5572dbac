import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { healthConfig, type HealthConfig } from './health.config.js';
import type { CheckStatus, HealthCheckDto, HealthIssueDto, HealthReportDto, ReportStatus } from './health-report.dto.js';

export interface CheckOutcome {
  status: CheckStatus;
  observed?: number | string | null;
  threshold?: number | null;
  message?: string;
}

interface CheckDefinition {
  name: string;
  /** What a check that times out or throws counts as: a dead database is critical, a slow cache is not. */
  failure: Exclude<CheckStatus, 'ok'>;
  run: () => Promise<CheckOutcome> | CheckOutcome;
}

const STATUS_OF: Record<CheckStatus, ReportStatus> = { ok: 'healthy', warn: 'degraded', critical: 'error' };

/** The detailed health report: every check bounded by the timeout, timed, and summarised by the worst status. */
@Injectable()
export class HealthReportService {
  private readonly logger = new Logger(HealthReportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
    const issues: HealthIssueDto[] = checks
      .filter((check) => check.status !== 'ok')
      .map(({ check, status, observed, threshold, message }) => ({
        check,
        status: status as Exclude<CheckStatus, 'ok'>,
        observed,
        threshold,
        message: message ?? `${check} is ${status}`,
      }));
    const worst = checks.some((c) => c.status === 'critical') ? 'critical' : checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
    return {
      status: STATUS_OF[worst],
      issues,
      metrics: { database: { engine: this.dataSource.options.type } },
      checks,
      timestamp: new Date().toISOString(),
    };
  }

  private definitions(): CheckDefinition[] {
    return [
      {
        name: 'database',
        failure: 'critical',
        run: async () => {
          if (!this.dataSource.isInitialized) return { status: 'critical', message: 'Database connection is closed' };
          await this.dataSource.query('SELECT 1');
          return { status: 'ok' };
        },
      },
    ];
  }

  private async runCheck(definition: CheckDefinition): Promise<HealthCheckDto> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: definition.failure, message: `${definition.name} check timed out after ${this.config.checkTimeoutMs} ms` }),
        this.config.checkTimeoutMs,
      );
    });
    let outcome: CheckOutcome;
    try {
      outcome = await Promise.race([Promise.resolve().then(definition.run), timeout]);
    } catch (error) {
      this.logger.warn(`Health check ${definition.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      outcome = { status: definition.failure, message: `${definition.name} check failed` };
    } finally {
      clearTimeout(timer);
    }
    return { check: definition.name, ...outcome, duration_ms: Math.round((performance.now() - started) * 100) / 100 };
  }
}
