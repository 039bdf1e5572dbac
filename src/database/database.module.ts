import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { buildDataSourceOptions } from './data-source.options.js';
import { databaseConfig, type DatabaseConfig } from './database.config.js';
import { DatabaseLockService } from './database-lock.service.js';
import { DatabaseMigrator } from './database.migrator.js';
import { TransactionRunner } from './transaction.runner.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (config: DatabaseConfig) => ({ ...buildDataSourceOptions(config), retryAttempts: 3, retryDelay: 1000 }),
    }),
  ],
  providers: [DatabaseLockService, DatabaseMigrator, TransactionRunner],
  exports: [DatabaseLockService, TransactionRunner],
})
export class DatabaseModule {}
