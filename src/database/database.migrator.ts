import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DatabaseLockService } from './database-lock.service.js';

/** Runs pending migrations at start, under a lock so replicas starting together take turns. */
@Injectable()
export class DatabaseMigrator implements OnModuleInit {
  private readonly logger = new Logger(DatabaseMigrator.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lock: DatabaseLockService,
  ) {}

  async onModuleInit(): Promise<void> {
    const applied = await this.lock.withLock('mentorhub:migrations', () => this.dataSource.runMigrations({ transaction: 'each' }));
    if (applied.length) this.logger.log(`Applied migrations: ${applied.map((migration) => migration.name).join(', ')}`);
  }
}
