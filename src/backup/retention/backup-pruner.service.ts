import { Inject, Injectable, Logger } from '@nestjs/common';
import { backupConfig, MIN_RETENTION_DAYS, type BackupConfig } from '../backup.config.js';
import { BackupError, errorMessage } from '../backup.errors.js';
import { BackupCatalogue, type BackupList } from '../catalogue/backup-catalogue.service.js';
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
 * Deletes backups past retention, locally and in S3 (see planRetention for what is always kept),
 * and nothing at all while the newest backup run or the newest backup's verification failed.
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
      const listing = await this.catalogue.list();
      this.refuseUnsafe(retentionDays, options.force === true, listing);
      const plan = planRetention(
        listing.items.map((item) => ({ stem: item.name, time: timeOfStem(item.name), verified: item.manifest?.verification?.ok === true })),
        { now: new Date(), retentionDays, keepLast: this.config.keepLast },
      );
      let s3Error = listing.s3.error;
      for (const item of listing.items.filter((candidate) => plan.remove.includes(candidate.name))) {
        s3Error = (await this.catalogue.delete(item)) ?? s3Error;
        this.logger.log(`Pruned backup ${item.name}`);
      }
      if (s3Error) await this.status.recordFailure({ stage: 'prune', reason: s3Error }, false);
      return { retentionDays, kept: plan.keep, deleted: plan.remove, ...(s3Error ? { s3Error } : {}) };
    } catch (error) {
      const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'prune');
      await this.status.recordFailure({ stage: 'prune', reason: failure.message }, false);
      throw failure;
    }
  }

  private refuseUnsafe(retentionDays: number, force: boolean, listing: BackupList): void {
    if (retentionDays < MIN_RETENTION_DAYS && !(force || this.config.retentionForce)) {
      throw new BackupError('refused', `Retention below ${MIN_RETENTION_DAYS} days (${retentionDays}) needs --force`, 'prune');
    }
    if (this.status.getStatus().lastRunOk === false) {
      throw new BackupError('refused', 'The newest backup run failed; nothing is pruned until a backup succeeds', 'prune');
    }
    const newest = listing.items[0];
    if (newest?.manifest?.verification?.ok === false) {
      throw new BackupError('refused', `The newest backup ${newest.name} failed its verification; nothing is pruned`, 'prune');
    }
  }
}
