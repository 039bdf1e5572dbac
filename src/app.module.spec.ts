import type { BackupConfig } from './backup/config/backup.config.js';
import { metricsOptions } from './app.module.js';
import type { DatabaseConfig } from './database/database.config.js';
import { cacheConfig, parseRedisUrl } from './cache/config/cache.config.js';
import { appConfig } from './config/app.config.js';
import { metricsConfig } from './metrics/config/metrics.config.js';

describe('the metrics options the app passes', () => {
  const backup = { dir: 'backups' } as BackupConfig;
  const sqlite: DatabaseConfig = { connection: { engine: 'sqlite', path: 'data/app.sqlite' }, poolSize: 2, queryTimeoutMs: 1000 };
  const postgres: DatabaseConfig = {
    connection: { engine: 'postgres', url: 'postgres://x/y', database: 'y' },
    poolSize: 2,
    queryTimeoutMs: 1000,
  };
  const metrics = { ...metricsConfig(), diskPath: undefined };
  const cache = { ...cacheConfig(), redis: undefined, namespace: 'mentorhub:' };
  const app = { ...appConfig(), version: '1.2.3', revision: '0f56871' };

  it('watch the SQLite folder, else BACKUP_DIR, unless METRICS_DISK_PATH is set', () => {
    expect(metricsOptions(metrics, sqlite, backup, cache, app).diskPath).toBe('data');
    expect(metricsOptions(metrics, postgres, backup, cache, app).diskPath).toBe('backups');
    expect(metricsOptions({ ...metrics, diskPath: '/mnt/data' }, postgres, backup, cache, app).diskPath).toBe('/mnt/data');
  });

  it('name the build, and share snapshots through the cache Redis under keys a cache clear does not reach', () => {
    expect(metricsOptions(metrics, sqlite, backup, cache, app).redis).toBeUndefined();
    const withRedis = { ...cache, redis: parseRedisUrl('redis://:secret@cache.internal:6380/2') };
    expect(metricsOptions(metrics, sqlite, backup, cache, app).build).toEqual({ version: '1.2.3', revision: '0f56871' });
    expect(metricsOptions(metrics, sqlite, backup, withRedis, app).redis).toEqual({
      connection: { host: 'cache.internal', port: 6380, db: 2, username: undefined, password: 'secret', tls: undefined },
      keyPrefix: 'mentorhub-metrics:',
    });
  });
});
