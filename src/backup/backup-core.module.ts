import { Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { ConfigError } from '../common/config/env.util.js';
import { databaseConfig, type DatabaseConfig } from '../database/database.config.js';
import { backupConfig, type BackupConfig } from './backup.config.js';
import { APP_VERSION_TOKEN, S3_BACKUP_STORE } from './backup.constants.js';
import { BACKUP_ENGINE, type BackupEngine } from './backup.engine.js';
import { BackupFileSystem } from './backup.filesystem.js';
import { BACKUP_LOCK, FallbackBackupLock, LocalBackupLock, PostgresBackupLock, RedisBackupLock, type BackupLock } from './backup.lock.js';
import { BackupMetrics } from './backup.metrics.js';
import { BackupService } from './backup.service.js';
import { BackupStatusService } from './backup-status.service.js';
import { parsePgUrl } from './pg-connection.js';
import { PostgresBackupEngine } from './postgres-backup.engine.js';
import { PostgresClient } from './postgres.client.js';
import { ProcessRunner } from './process.runner.js';
import { S3BackupStore } from './s3-backup.store.js';
import { SqliteBackupEngine } from './sqlite-backup.engine.js';
import { SqliteClient } from './sqlite.client.js';

function createEngine(
  database: DatabaseConfig,
  runner: ProcessRunner,
  files: BackupFileSystem,
  postgres: PostgresClient,
  sqlite: SqliteClient,
  dataSource: DataSource,
): BackupEngine {
  const connection = database.connection;
  return connection.engine === 'postgres'
    ? new PostgresBackupEngine(connection, runner, files, postgres)
    : new SqliteBackupEngine(connection, sqlite, files, dataSource);
}

/** Redis when REDIS_URL is set (falling back to the next lock if Redis is down), else the PostgreSQL advisory lock, else in-process. */
function createLock(config: BackupConfig, database: DatabaseConfig): BackupLock {
  const connection = database.connection;
  const postgres = connection.engine === 'postgres' ? new PostgresBackupLock(parsePgUrl(connection.url), config.lockKey) : undefined;
  const redis = config.redisUrl ? new RedisBackupLock(config.redisUrl, config.lockKey, config.lockTtlMs) : undefined;
  switch (config.lock) {
    case 'local':
      return new LocalBackupLock();
    case 'postgres':
      if (!postgres) throw new ConfigError('BACKUP_LOCK=postgres needs a postgres:// DATABASE_URL');
      return postgres;
    case 'redis':
      if (!redis) throw new ConfigError('BACKUP_LOCK=redis needs REDIS_URL');
      return redis;
    case 'auto':
      if (redis) return new FallbackBackupLock(redis, postgres ?? new LocalBackupLock());
      return postgres ?? new LocalBackupLock();
  }
}

/** The version in package.json (two levels up from src/backup and from dist/backup). */
function readAppVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Backups without the HTTP surface or the schedule: what the CLI boots. BackupModule adds the
 * cron job and the admin controller.
 */
@Module({
  providers: [
    BackupFileSystem,
    ProcessRunner,
    PostgresClient,
    SqliteClient,
    BackupMetrics,
    BackupStatusService,
    BackupService,
    { provide: APP_VERSION_TOKEN, useFactory: readAppVersion },
    {
      provide: BACKUP_ENGINE,
      inject: [databaseConfig.KEY, ProcessRunner, BackupFileSystem, PostgresClient, SqliteClient, DataSource],
      useFactory: createEngine,
    },
    {
      provide: S3_BACKUP_STORE,
      inject: [backupConfig.KEY, BackupFileSystem],
      useFactory: (config: BackupConfig, files: BackupFileSystem) => (config.s3 ? new S3BackupStore(config.s3, files) : null),
    },
    { provide: BACKUP_LOCK, inject: [backupConfig.KEY, databaseConfig.KEY], useFactory: createLock },
  ],
  exports: [BackupService, BackupStatusService, BACKUP_LOCK],
})
export class BackupCoreModule {}
