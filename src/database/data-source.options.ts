import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from './database.config.js';
import { MIGRATIONS } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm.logger.js';

interface SqliteHandle {
  pragma(sql: string): unknown;
  function(name: string, options: { deterministic: boolean }, implementation: (value: unknown) => unknown): unknown;
}

/** The entities TypeORM maps: the app's, handed in (this module knows none of them). */
export type DatabaseEntities = NonNullable<DataSourceOptions['entities']>;

/** Builds TypeORM options for either engine; DatabaseMigrator runs the migrations at start, never `synchronize`. */
export function buildDataSourceOptions(config: DatabaseConfig, entities: DatabaseEntities): DataSourceOptions {
  const common = {
    entities,
    migrations: MIGRATIONS,
    migrationsRun: false,
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
      prepareDatabase: (db: SqliteHandle) => {
        db.pragma('foreign_keys = ON');
        // SQLite's built-in lower() folds ASCII only; searches must be case-insensitive for "École" too.
        db.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
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
      // The client-side bound also covers a server that accepts and never answers.
      query_timeout: config.queryTimeoutMs + 1_000,
      keepAlive: true,
      application_name: 'mentorhub-api',
    },
  };
}
