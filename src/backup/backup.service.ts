import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { ERROR_REPORTER, type ErrorReporter } from '../common/errors/error-reporter.js';
import { backupConfig, type BackupConfig } from './backup.config.js';
import { BackupError, errorMessage } from './backup.errors.js';
import type { ProgressListener } from './backup.progress.js';
import { BackupCatalogue, type BackupList } from './catalogue/backup-catalogue.service.js';
import type { BackupManifest } from './catalogue/backup.manifest.js';
import { parseBackupReference } from './catalogue/backup.naming.js';
import { BackupStatusService } from './catalogue/backup-status.service.js';
import { BackupCreator, type CreateBackupOptions, type CreateBackupResult } from './create/backup-creator.service.js';
import { BACKUP_ENGINE, type BackupEngine } from './engines/backup.engine.js';
import { BACKUP_LOCK, type BackupLock } from './lock/backup.lock.js';
import { BackupRestorer, type RestoreResult } from './restore/backup-restorer.service.js';
import { BackupPruner, type PruneOptions, type PruneResult } from './retention/backup-pruner.service.js';
import { BackupVerifier } from './verify/backup-verifier.service.js';

/**
 * The backup operations as the endpoints, the CLI and the schedule call them. Every operation
 * runs alone in this process; create, restore and prune also take the cross-replica lock. Failures
 * are recorded in the status (and metrics) and thrown as BackupError; `runScheduled` never throws.
 */
@Injectable()
export class BackupService implements OnApplicationShutdown {
  private readonly logger = new Logger(BackupService.name);

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    @Inject(BACKUP_LOCK) private readonly lock: BackupLock,
    private readonly catalogue: BackupCatalogue,
    private readonly status: BackupStatusService,
    private readonly creator: BackupCreator,
    private readonly verifier: BackupVerifier,
    private readonly pruner: BackupPruner,
    private readonly restorer: BackupRestorer,
    @Optional() @Inject(ERROR_REPORTER) private readonly errors: ErrorReporter | null = null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.lock.close();
    this.catalogue.s3?.destroy();
  }

  get directory(): string {
    return this.catalogue.dir;
  }

  /** The database a restore would overwrite (for the confirmation prompt). */
  async databaseName(): Promise<string> {
    return (await this.engine.describe()).database;
  }

  list(): Promise<BackupList> {
    return this.catalogue.list();
  }

  async createBackup(options: CreateBackupOptions = {}): Promise<CreateBackupResult> {
    return this.exclusive('create', () => this.locked(0, () => this.creator.create(options)));
  }

  async verifyBackup(reference: string, onProgress?: ProgressListener): Promise<BackupManifest> {
    const stem = parseBackupReference(reference);
    return this.exclusive('verify', () => this.verifier.verify(stem, onProgress));
  }

  async restoreBackup(reference: string, onProgress?: ProgressListener): Promise<RestoreResult> {
    const stem = parseBackupReference(reference);
    return this.exclusive('restore', () => this.locked(0, () => this.restorer.restore(stem, onProgress)));
  }

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    return this.exclusive('prune', () => this.locked(0, () => this.pruner.prune(options)));
  }

  /**
   * The cron body: backup, then verification and pruning as configured. Never throws (a
   * failure is logged and counted); skips when another run holds the lock.
   */
  async runScheduled(): Promise<void> {
    try {
      await this.exclusive('create', () =>
        this.locked(this.config.lockSettleMs, async () => {
          const result = await this.creator.create({ trigger: 'scheduled' });
          if (this.config.verifyAfterBackup) await this.verifier.verify(result.manifest.name);
          if (this.config.pruneAfterBackup) await this.pruner.prune({});
        }),
      );
    } catch (error) {
      if (error instanceof BackupError && (error.code === 'locked' || error.code === 'in_progress')) {
        this.logger.log(`Scheduled backup skipped: ${error.message}`);
        return;
      }
      this.logger.error(`Scheduled backup failed: ${errorMessage(error)}`);
      // Nobody is watching a 03:00 run: the failure is reported besides the log, status and metrics.
      this.errors?.report(error, { transaction: 'scheduled backup' });
    }
  }

  /**
   * Replicas share S3, not their status files: the newest verified backup there counts for the
   * freshness of every replica, whichever one won the lock and made it.
   */
  async refreshStatusFromS3(): Promise<void> {
    if (!this.catalogue.s3) return;
    const { items } = await this.catalogue.list();
    const verified = items.flatMap((item) => (item.manifest?.verification?.ok ? [item.manifest] : []));
    const newest = verified.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
    if (newest) await this.status.recordVerified(newest);
  }

  private async exclusive<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const running = this.status.running;
    if (running) throw new BackupError('in_progress', `A backup operation (${running}) is already running`);
    this.status.setRunning(operation);
    try {
      return await run();
    } finally {
      this.status.setRunning(null);
    }
  }

  private async locked<T>(holdMs: number, run: () => Promise<T>): Promise<T> {
    let handle;
    try {
      handle = await this.lock.tryAcquire();
    } catch (error) {
      await this.status.recordFailure({ stage: 'lock', reason: `The backup lock is unavailable: ${errorMessage(error)}` }, true);
      throw new BackupError('failed', 'The backup lock is unavailable', 'lock');
    }
    if (!handle) throw new BackupError('locked', 'A backup operation is already running on another instance');
    try {
      return await run();
    } finally {
      await handle.release(holdMs).catch((error: unknown) => this.logger.warn(`Could not release the backup lock: ${errorMessage(error)}`));
    }
  }
}
