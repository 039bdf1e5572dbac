import { ConfigError } from '../../config/env.util.js';
import { PostgresAdvisoryLocks } from '../../common/postgres/postgres-advisory-lock.js';
import type { BackupConfig } from '../backup.config.js';
import type { BackupModuleOptions } from '../backup.options.js';
import type { BackupLock } from './backup.lock.js';
import { FallbackBackupLock } from './fallback-backup.lock.js';
import { LocalBackupLock } from './local-backup.lock.js';
import { PostgresBackupLock } from './postgres-backup.lock.js';
import { RedisBackupLock } from './redis-backup.lock.js';

/** Redis when the host gives one (falling back to the next lock if Redis is down), else the PostgreSQL advisory lock, else in-process. */
export function createBackupLock(config: BackupConfig, options: BackupModuleOptions): BackupLock {
  const reserved = (options.reservedRedisPrefixes ?? []).find((prefix) => config.lockKey.startsWith(prefix));
  if (options.redis && reserved !== undefined) {
    // The host deletes keys under its prefixes in bulk (a cache clear): the lock would vanish with them.
    throw new ConfigError(`BACKUP_LOCK_KEY must not start with "${reserved}", whose keys are cleared in bulk`);
  }
  const database = options.database;
  const postgres =
    database.engine === 'postgres' ? new PostgresBackupLock(new PostgresAdvisoryLocks(database.url), config.lockKey) : undefined;
  const redis = options.redis ? new RedisBackupLock(options.redis, config.lockKey, config.lockTtlMs) : undefined;
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
