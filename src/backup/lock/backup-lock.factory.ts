import { resolve } from 'node:path';
import { ConfigError } from '../../common/config/env.util.js';
import { PostgresAdvisoryLocks } from '../../common/postgres/postgres-advisory-lock.js';
import type { BackupConfig } from '../config/backup.config.js';
import type { BackupModuleOptions } from '../backup.options.js';
import type { BackupFileSystem } from '../storage/backup.filesystem.js';
import { databaseIdentity } from '../catalogue/database-identity.js';
import type { BackupLock } from './backup.lock.js';
import { FallbackBackupLock } from './fallback-backup.lock.js';
import { LocalBackupLock } from './local-backup.lock.js';
import { PostgresBackupLock } from './postgres-backup.lock.js';
import { RedisBackupLock } from './redis-backup.lock.js';

/** Redis when the host gives one (falling back to the next lock if Redis is down), else the PostgreSQL advisory lock, else a lock file. */
export function createBackupLock(config: BackupConfig, options: BackupModuleOptions, files: BackupFileSystem): BackupLock {
  // One lock per database: backups of several databases sharing a Redis, folder or bucket never wait for each other.
  const key = `${config.lockKey}:${databaseIdentity(options.database).id}`;
  const reserved = (options.reservedRedisPrefixes ?? []).find((prefix) => config.lockKey.startsWith(prefix));
  if (options.redis && reserved !== undefined) {
    // The host deletes keys under its prefixes in bulk (a cache clear): the lock would vanish with them.
    throw new ConfigError(`BACKUP_LOCK_KEY must not start with "${reserved}", whose keys are cleared in bulk`);
  }
  const database = options.database;
  const local = () => new LocalBackupLock(files, resolve(config.dir), key, config.lockTtlMs);
  const postgres = database.engine === 'postgres' ? new PostgresBackupLock(new PostgresAdvisoryLocks(database.url), key) : undefined;
  const redis = options.redis ? new RedisBackupLock(options.redis, key, config.lockTtlMs) : undefined;
  switch (config.lock) {
    case 'local':
      return local();
    case 'postgres':
      if (!postgres) throw new ConfigError('BACKUP_LOCK=postgres needs a postgres:// DATABASE_URL');
      return postgres;
    case 'redis':
      if (!redis) throw new ConfigError('BACKUP_LOCK=redis needs REDIS_URL');
      return redis;
    case 'auto':
      if (redis) return new FallbackBackupLock(redis, postgres ?? local());
      return postgres ?? local();
  }
}
