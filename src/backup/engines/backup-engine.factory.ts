import type { BackupModuleOptions } from '../backup.options.js';
import type { BackupFileSystem } from '../storage/backup.filesystem.js';
import type { BackupEngine } from './backup.engine.js';
import { PostgresBackupEngine } from './postgres-backup.engine.js';
import type { PostgresClient } from './postgres.client.js';
import type { ProcessRunner } from './process.runner.js';
import { SqliteBackupEngine } from './sqlite-backup.engine.js';
import type { SqliteClient } from './sqlite.client.js';

/** The engine of the host's database. */
export function createBackupEngine(
  options: BackupModuleOptions,
  runner: ProcessRunner,
  files: BackupFileSystem,
  postgres: PostgresClient,
  sqlite: SqliteClient,
): BackupEngine {
  const database = options.database;
  return database.engine === 'postgres'
    ? new PostgresBackupEngine(database.url, runner, files, postgres)
    : new SqliteBackupEngine(database.path, sqlite, files, options.sqliteConnection);
}
