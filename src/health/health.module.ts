import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { healthConfig, type HealthConfig } from './config/health.config.js';
import { HealthContributionsRegistry } from './contributions/health-contributions.registry.js';
import { DetailedHealthAccess } from './detailed-health.access.js';
import { GracefulShutdownService } from './graceful-shutdown.service.js';
import { HealthController } from './health.controller.js';
import { DatabaseHealthIndicator } from './indicators/database.health.js';
import { ShutdownHealthIndicator } from './indicators/shutdown.health.js';
import { SystemHealthIndicators } from './indicators/system.health.js';
import { HealthReportService } from './report/health-report.service.js';

/** The options are the `health` namespace, under its key: `forRootAsync({ useFactory: healthConfig })` reads the environment. */
const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<HealthConfig>({
  optionsInjectionToken: healthConfig.KEY,
})
  .setClassMethodName('forRoot')
  .build();

export type HealthModuleAsyncOptions = ConfigurableModuleAsyncOptions<HealthConfig>;

/**
 * Liveness, readiness and the detailed report, and graceful shutdown. It needs the app's TypeORM
 * connection and the metrics module's figures; other modules add checks with @ContributesToHealth().
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DiscoveryModule],
  controllers: [HealthController],
  providers: [
    GracefulShutdownService,
    DatabaseHealthIndicator,
    ShutdownHealthIndicator,
    SystemHealthIndicators,
    HealthContributionsRegistry,
    HealthReportService,
    DetailedHealthAccess,
  ],
  exports: [GracefulShutdownService, HealthReportService],
})
export class HealthModule extends ConfigurableModuleClass {}
