import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { backupConfig, type BackupConfig } from '../backup.config.js';
import { BACKUP_CRON_JOB, BACKUP_SHARED_STATUS_INTERVAL } from '../backup.constants.js';
import { BackupService } from '../backup.service.js';

/** How often a replica reads the newest verified backup from S3 (the one that made it may be another). */
const SHARED_STATUS_REFRESH_MS = 10 * 60_000;

/**
 * Registers the backup cron job with @nestjs/schedule. The schedule comes from validated
 * configuration at start (BACKUP_CRON), which a static `@Cron()` decorator cannot read, so the
 * job is added to the SchedulerRegistry here; the registry stops it at shutdown.
 * `waitForCompletion` keeps runs from overlapping in this process; the lock in BackupService
 * keeps replicas from running the same slot.
 */
@Injectable()
export class BackupScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupScheduler.name);

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    private readonly registry: SchedulerRegistry,
    private readonly backups: BackupService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.enabled) {
      this.logger.log('Scheduled backups are disabled (BACKUP_ENABLED=false)');
      return;
    }
    const job = CronJob.from({
      cronTime: this.config.cron,
      timeZone: 'UTC',
      onTick: () => this.backups.runScheduled(),
      waitForCompletion: true,
      start: true,
      name: BACKUP_CRON_JOB,
    });
    this.registry.addCronJob(BACKUP_CRON_JOB, job);
    this.logger.log(`Scheduled backups on "${this.config.cron}" (UTC), next at ${job.nextDate().toUTC().toISO() ?? 'never'}`);
    if (this.config.s3) {
      const refresh = () => {
        this.backups.refreshStatusFromS3().catch((error: unknown) => {
          this.logger.warn(`Could not read the backup status from S3: ${error instanceof Error ? error.message : String(error)}`);
        });
      };
      refresh();
      const timer = setInterval(refresh, SHARED_STATUS_REFRESH_MS);
      timer.unref();
      this.registry.addInterval(BACKUP_SHARED_STATUS_INTERVAL, timer);
    }
  }
}
