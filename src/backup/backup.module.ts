import { Module, type DynamicModule, type FactoryProvider, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { appVersion } from '../common/config/app-version.js';
import { backupConfig } from './config/backup.config.js';
import { APP_VERSION_TOKEN, S3_BACKUP_STORE } from './backup.constants.js';
import { BackupMetrics } from './backup.metrics.js';
import { BACKUP_MODULE_OPTIONS, type BackupModuleOptions } from './backup.options.js';
import { BackupService } from './backup.service.js';
import { BackupCatalogue } from './catalogue/backup-catalogue.service.js';
import { BackupStatusService } from './catalogue/backup-status.service.js';
import { RunJournal } from './catalogue/run-journal.service.js';
import { BackupCreator } from './create/backup-creator.service.js';
import { BACKUP_ENGINE } from './engines/backup.engine.js';
import { createBackupEngine } from './engines/backup-engine.factory.js';
import { PostgresClient } from './engines/postgres.client.js';
import { ProcessRunner } from './engines/process.runner.js';
import { SqliteClient } from './engines/sqlite.client.js';
import { BackupHealthContribution } from './health/backup.health.js';
import { BackupController } from './http/backup.controller.js';
import { BACKUP_LOCK } from './lock/backup.lock.js';
import { createBackupLock } from './lock/backup-lock.factory.js';
import { BackupRestorer } from './restore/backup-restorer.service.js';
import { BackupPruner } from './retention/backup-pruner.service.js';
import { BackupRecovery } from './runs/backup-recovery.service.js';
import { BackupRunner } from './runs/backup-runner.service.js';
import { BackupScheduler } from './schedule/backup.scheduler.js';
import { BackupFileSystem } from './storage/backup.filesystem.js';
import { createS3Store } from './storage/s3-backup.store.js';
import { BackupVerifier } from './verify/backup-verifier.service.js';

export interface BackupModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: FactoryProvider['inject'];
  useFactory: (...args: never[]) => BackupModuleOptions | Promise<BackupModuleOptions>;
  /** The admin REST endpoints (`/admin/backups`); off for a command-line process. Default true. */
  endpoints?: boolean;
  /** The cron job (BACKUP_CRON, when BACKUP_ENABLED); off for a command-line process. Default true. */
  schedule?: boolean;
}

const PROVIDERS: Provider[] = [
  BackupFileSystem,
  ProcessRunner,
  PostgresClient,
  SqliteClient,
  BackupMetrics,
  BackupCatalogue,
  RunJournal,
  BackupStatusService,
  BackupRecovery,
  BackupRunner,
  BackupCreator,
  BackupVerifier,
  BackupPruner,
  BackupRestorer,
  BackupService,
  BackupHealthContribution,
  { provide: APP_VERSION_TOKEN, useFactory: () => appVersion() },
  {
    provide: BACKUP_ENGINE,
    inject: [BACKUP_MODULE_OPTIONS, ProcessRunner, BackupFileSystem, PostgresClient, SqliteClient],
    useFactory: createBackupEngine,
  },
  { provide: S3_BACKUP_STORE, inject: [backupConfig.KEY, BackupFileSystem, BACKUP_MODULE_OPTIONS], useFactory: createS3Store },
  { provide: BACKUP_LOCK, inject: [backupConfig.KEY, BACKUP_MODULE_OPTIONS, BackupFileSystem], useFactory: createBackupLock },
];

/**
 * Backups of the host's SQLite or PostgreSQL database, to disk and S3: creation, verification,
 * retention, restore, the schedule and the admin endpoints. Configured by its own BACKUP_* and
 * AWS_* variables and by what the host passes in `forRoot`/`forRootAsync` (the database, Redis,
 * the metrics registry). Endpoints are admin-only through `@AdminOnly()` metadata, which the host's
 * global guard enforces; the backup check of the host's health report is contributed with
 * `@ContributesToHealth()`.
 */
@Module({})
export class BackupModule {
  static forRoot(options: BackupModuleOptions & Pick<BackupModuleAsyncOptions, 'endpoints' | 'schedule'>): DynamicModule {
    return BackupModule.forRootAsync({ ...options, useFactory: () => options });
  }

  static forRootAsync(options: BackupModuleAsyncOptions): DynamicModule {
    const schedule = options.schedule ?? true;
    return {
      module: BackupModule,
      imports: [ConfigModule.forFeature(backupConfig), ...(schedule ? [ScheduleModule.forRoot()] : []), ...(options.imports ?? [])],
      controllers: (options.endpoints ?? true) ? [BackupController] : [],
      providers: [
        { provide: BACKUP_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        ...PROVIDERS,
        ...(schedule ? [BackupScheduler] : []),
      ],
      exports: [BackupService, BackupStatusService, BACKUP_LOCK],
    };
  }
}
