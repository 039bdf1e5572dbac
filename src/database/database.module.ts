import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { buildDataSourceOptions, type DatabaseEntities } from './data-source.options.js';
import { databaseConfig, type DatabaseConfig } from './database.config.js';
import { DatabaseLockService } from './database-lock.service.js';
import { DatabaseMigrator } from './database.migrator.js';
import { TransactionRunner } from './transaction.runner.js';

export interface DatabaseModuleOptions {
  entities: DatabaseEntities;
}

/** The connection (TypeORM over DATABASE_URL) and its migrations at start: what DatabaseModule.forRoot returns. */
@Module({})
class DatabaseConnectionModule {}

/**
 * Transactions and start-up locks over the app's connection, for the modules that import it.
 * `DatabaseModule.forRoot({ entities })`, once in the root module, opens that connection.
 */
@Module({
  providers: [DatabaseLockService, TransactionRunner],
  exports: [DatabaseLockService, TransactionRunner],
})
export class DatabaseModule {
  static forRoot({ entities }: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseConnectionModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (config: DatabaseConfig) => ({ ...buildDataSourceOptions(config, entities), retryAttempts: 3, retryDelay: 1000 }),
        }),
        DatabaseModule,
      ],
      providers: [DatabaseMigrator],
      exports: [DatabaseModule],
    };
  }
}
