import { Inject, Injectable, Logger } from '@nestjs/common';
import { backupConfig, MIN_RETENTION_DAYS, type BackupConfig } from '../config/backup.config.js';
import { BackupError, errorMessage } from '../backup.errors.js';
import { BackupCatalogue, type StoredBackup } from '../catalogue/backup-catalogue.service.js';
import { timeOfStem } from '../catalogue/backup.naming.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { planRetention } from './backup.retention.js';

export interface PruneOptions {
  /** Overrides BACKUP_RETENTION_DAYS for this run (below 7 needs `force`). */
  retentionDays?: number;
  force?: boolean;
}

export interface PruneResult {
  retentionDays: number;
  kept: string[];
  deleted: string[];
  s3Error?: string;
}

/**
 * Deletes this database's backups past retention, in S3 and on this replica's disk (see
 * planRetention for what is always kept), and nothing at all while the newest backup run or the
 * newest backup's verification failed. Other databases' backups in a shared folder or bucket are
 * never considered.
 */
@Injectable()
export class BackupPruner {
  private readonly logger = new Logger(BackupPruner.name);

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    private readonly catalogue: BackupCatalogue,
    private readonly status: BackupStatusService,
  ) {}

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    try {
      const retentionDays = options.retentionDays ?? this.config.retentionDays;
      const { backups, error } = await this.catalogue.stored();
      this.refuseUnsafe(retentionDays, options.force === true, backups);
      const plan = planRetention(
        backups.map((backup) => ({
          stem: backup.name,
          time: timeOfStem(backup.name),
          verified: backup.manifest.verification?.ok === true,
        })),
        { now: new Date(), retentionDays, keepLast: this.config.keepLast },
      );
      let s3Error = error;
      for (const backup of backups.filter((candidate) => plan.remove.includes(candidate.name))) {
        s3Error = (await this.catalogue.delete(backup)) ?? s3Error;
        this.logger.log(`Pruned backup ${backup.name}`);
      }
      if (s3Error) await this.status.recordFailure({ stage: 'prune', reason: s3Error }, false);
      return { retentionDays, kept: plan.keep, deleted: plan.remove, ...(s3Error ? { s3Error } : {}) };
    } catch (error) {
      const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'prune');
      await this.status.recordFailure({ stage: 'prune', reason: failure.message }, false);
      throw failure;
    }
  }

  private refuseUnsafe(retentionDays: number, force: boolean, backups: StoredBackup[]): void {
    if (retentionDays < MIN_RETENTION_DAYS && !(force || this.config.retentionForce)) {
      throw new BackupError('refused', `Retention below ${MIN_RETENTION_DAYS} days (${retentionDays}) needs --force`, 'prune');
    }
    if (this.status.getStatus().lastRunOk === false) {
      throw new BackupError('refused', 'The newest backup run failed; nothing is pruned until a backup succeeds', 'prune');
    }
    const newest = backups[0];
    if (newest?.manifest.verification?.ok === false) {
      throw new BackupError('refused', `The newest backup ${newest.name} failed its verification; nothing is pruned`, 'prune');
    }
  }
}
