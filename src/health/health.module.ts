import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthContributionsRegistry } from './contributions/health-contributions.registry.js';
import { DatabaseHealthIndicator } from './indicators/database.health.js';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import { DetailedHealthAccess } from './detailed-health.access.js';
import { HealthReportService } from './report/health-report.service.js';
import { HealthController } from './health.controller.js';
import { NoStoreMiddleware } from './no-store.middleware.js';
import { ShutdownHealthIndicator } from './indicators/shutdown.health.js';
import { SystemHealthIndicators } from './indicators/system.health.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
  controllers: [HealthController],
  providers: [
    GracefulShutdownService,
    DatabaseHealthIndicator,
    ShutdownHealthIndicator,
    HealthContributionsRegistry,
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
