import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { healthConfig, type HealthConfig } from './health.config.js';

/** Pings the database with `SELECT 1`, bounded by the check timeout so a hung pool cannot hang a probe. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
    @Inject(healthConfig.KEY) private readonly config: HealthConfig,
  ) {}

  check(key = 'database') {
    return this.indicators
      .check(key)
      .attempt(async () => {
        if (!this.dataSource.isInitialized) throw new Error('the connection is closed');
        await this.dataSource.query('SELECT 1');
        return { engine: this.dataSource.options.type };
      })
      .withTimeout(this.config.checkTimeoutMs);
  }
}
