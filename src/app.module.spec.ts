import type { BackupConfig } from './backup/config/backup.config.js';
import { metricsOptions } from './app.module.js';
import type { DatabaseConfig } from './database/database.config.js';
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

  it('watch the SQLite folder, else BACKUP_DIR, unless METRICS_DISK_PATH is set', () => {
    expect(metricsOptions(metrics, sqlite, backup).diskPath).toBe('data');
    expect(metricsOptions(metrics, postgres, backup).diskPath).toBe('backups');
    expect(metricsOptions({ ...metrics, diskPath: '/mnt/data' }, postgres, backup).diskPath).toBe('/mnt/data');
  });
});
