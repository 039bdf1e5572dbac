import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackupCoreModule } from '../backup/backup-core.module.js';
import { BackupHealthIndicator } from './backup.health.js';
import { CacheHealthIndicator } from './cache.health.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import { DetailedHealthAccess } from './detailed-health.access.js';
import { HealthReportService } from './health-report.service.js';
import { HealthController } from './health.controller.js';
import { ShutdownHealthIndicator } from './shutdown.health.js';
import { SystemHealthIndicators } from './system.health.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), BackupCoreModule],
  controllers: [HealthController],
  providers: [
    GracefulShutdownService,
    DatabaseHealthIndicator,
    ShutdownHealthIndicator,
    CacheHealthIndicator,
    BackupHealthIndicator,
    SystemHealthIndicators,
    HealthReportService,
    DetailedHealthAccess,
  ],
  exports: [GracefulShutdownService, HealthReportService],
})
export class HealthModule {}
