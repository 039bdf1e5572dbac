import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { backupConfig, type BackupConfig } from '../config/backup.config.js';
import { BACKUP_CRON_JOB, BACKUP_SHARED_STATUS_INTERVAL } from '../backup.constants.js';
import { errorMessage } from '../backup.errors.js';
import { BackupService } from '../backup.service.js';
import { schedulePeriodMs } from '../catalogue/backup-status.service.js';
import { BackupRecovery } from '../runs/backup-recovery.service.js';

/** How often a replica reads the run journal again (another replica may have backed up, or died mid-run). */
const JOURNAL_REFRESH_MS = 30_000;
/** Bounds of how long a slot's claim is kept: past any clock skew between replicas, never for days. */
const MIN_CLAIM_MS = 30_000;
const MAX_CLAIM_MS = 15 * 60_000;

/**
 * Registers the backup cron job with @nestjs/schedule. The schedule comes from validated
 * configuration at start (BACKUP_CRON), which a static `@Cron()` decorator cannot read, so the
 * job is added to the SchedulerRegistry here; the registry stops it at shutdown. Each tick is
 * one slot, named by its cron time (not by when the timer fired), so every replica names it the same.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupScheduler.name);

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    private readonly registry: SchedulerRegistry,
    private readonly backups: BackupService,
    private readonly recovery: BackupRecovery,
  ) {}

  onApplicationBootstrap(): void {
    this.refreshJournal();
    if (!this.config.enabled) {
      this.logger.log('Scheduled backups are disabled (BACKUP_ENABLED=false)');
      return;
    }
    const claimMs = Math.min(Math.max(schedulePeriodMs(this.config.cron), MIN_CLAIM_MS), MAX_CLAIM_MS);
    let slot: Date;
    const job = CronJob.from({
      cronTime: this.config.cron,
      timeZone: 'UTC',
      // The job has already moved on to the next date when it calls this: the slot firing now is the one remembered.
      onTick: () => {
        const current = slot;
        slot = job.nextDate().toJSDate();
        return this.backups.runScheduled({
          slot: current,
          next: slot,
          claimMs,
          verify: this.config.verifyAfterBackup,
          prune: this.config.pruneAfterBackup,
        });
      },
      start: false,
      name: BACKUP_CRON_JOB,
    });
    slot = job.nextDate().toJSDate();
    job.start();
    this.registry.addCronJob(BACKUP_CRON_JOB, job);
    this.logger.log(`Scheduled backups on "${this.config.cron}" (UTC), next at ${slot.toISOString()}`);
  }

  private refreshJournal(): void {
    const timer = setInterval(() => {
      this.recovery.refresh().catch((error: unknown) => this.logger.warn(`Could not read the backup run journal: ${errorMessage(error)}`));
    }, JOURNAL_REFRESH_MS);
    timer.unref();
    this.registry.addInterval(BACKUP_SHARED_STATUS_INTERVAL, timer);
  }
}
