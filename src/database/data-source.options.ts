import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from './database.config.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm.logger.js';

/** Builds TypeORM options for either engine; migrations run at start, never `synchronize`. */
export function buildDataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: ['error', 'warn', 'migration'] as ('error' | 'warn' | 'migration')[],
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: 1000,
  };
  const connection = config.connection;
  if (connection.engine === 'sqlite') {
    const path = resolve(connection.path);
    mkdirSync(dirname(path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: path,
      enableWAL: true,
      // Waits for a concurrent writer (a backup, the seed command) instead of failing at once.
      timeout: 10_000,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: connection.url,
    extra: {
      max: config.poolSize,
      connectionTimeoutMillis: 5_000,
      statement_timeout: config.queryTimeoutMs,
      application_name: 'mentorhub-api',
    },
  };
}
