import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackupCoreModule } from '../backup/backup-core.module.js';
import { BackupHealthIndicator } from './backup.health.js';
import { CacheHealthIndicator } from './cache.health.js';
import { DatabaseHealthIndicator } from './indicators/database.health.js';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import { DetailedHealthAccess } from './detailed-health.access.js';
import { HealthReportService } from './report/health-report.service.js';
import { HealthController } from './health.controller.js';
import { NoStoreMiddleware } from './no-store.middleware.js';
import { ShutdownHealthIndicator } from './indicators/shutdown.health.js';
import { SystemHealthIndicators } from './indicators/system.health.js';

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
export class HealthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(NoStoreMiddleware).forRoutes(HealthController);
  }
}
