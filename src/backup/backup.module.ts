import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { BackupController } from './backup.controller.js';
import { BackupCoreModule } from './backup-core.module.js';
import { BackupScheduler } from './backup.scheduler.js';
import { BackupHealthContribution } from './health/backup.health.js';

/** Backups in the API server: the core, the cron job and the admin endpoints. */
@Module({
  imports: [ScheduleModule.forRoot(), BackupCoreModule],
  controllers: [BackupController],
  providers: [BackupScheduler, BackupHealthContribution],
  exports: [BackupCoreModule],
})
export class BackupModule {}
