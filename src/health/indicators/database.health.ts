import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { healthConfig, type HealthConfig } from '../config/health.config.js';

/**
 * Pings the database with `SELECT 1`, bounded by the check timeout so a hung pool cannot hang a
 * probe. Probes are public, so the driver's error (hosts, user names) goes to the log — once per
 * outage — and the body only says "unreachable".
 */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly logger = new Logger(DatabaseHealthIndicator.name);
  private failing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  check(key = 'database') {
    return this.indicators
      .check(key)
      .attempt(() => this.ping())
      .withTimeout(this.config.checkTimeoutMs);
  }

  private async ping(): Promise<{ engine: string }> {
    try {
      if (!this.dataSource.isInitialized) throw new Error('the connection is closed');
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      if (!this.failing) this.logger.error(`Database unreachable: ${error instanceof Error ? error.message : String(error)}`);
      this.failing = true;
      throw new Error('database unreachable', { cause: error });
    }
    if (this.failing) this.logger.log('Database reachable again');
    this.failing = false;
    return { engine: this.dataSource.options.type };
  }
}
