import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { getDataSourceToken } from '@nestjs/typeorm';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { dashboardConfig } from './admin-dashboard/admin-dashboard.config.js';
import { AdminDashboardModule } from './admin-dashboard/admin-dashboard.module.js';
import { authConfig } from './auth/auth.config.js';
import { AuthModule } from './auth/auth.module.js';
import { backupConfig, type BackupConfig } from './backup/config/backup.config.js';
import { BackupModule } from './backup/backup.module.js';
import type { BackupModuleOptions } from './backup/backup.options.js';
import { CacheModule } from './cache/cache.module.js';
import { besideNamespace, cacheConfig, redisConnectionOptions, type CacheConfig } from './cache/config/cache.config.js';
import { instanceId } from './common/config/env.util.js';
import { appConfig, type AppConfig } from './config/app.config.js';
import { CoursesModule } from './courses/courses.module.js';
import { databaseConfig, type DatabaseConfig } from './database/database.config.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoDataModule } from './demo-data/demo-data.module.js';
import { ENTITIES } from './entities.js';
import { healthConfig } from './health/config/health.config.js';
import { HealthModule } from './health/health.module.js';
import { MentorsModule } from './mentors/mentors.module.js';
import { metricsConfig, type MetricsConfig } from './metrics/config/metrics.config.js';
import { MetricsSectionsRegistry } from './metrics/metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from './metrics/metrics.constants.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReviewsModule } from './reviews/reviews.module.js';
import { sentryConfig } from './sentry/sentry.config.js';
import { SentryModule } from './sentry/sentry.module.js';
import { UsersModule } from './users/users.module.js';

/** The namespaces the app's own modules (and backups) inject; the operations modules get theirs as module options. */
const INJECTED_CONFIGURATION = [appConfig, databaseConfig, authConfig, sentryConfig, dashboardConfig, backupConfig];

/** Everything this app reads from the environment: main.ts validates it before anything starts. */
export const APP_CONFIGURATION = [...INJECTED_CONFIGURATION, metricsConfig, cacheConfig, healthConfig];

/** Runs every namespace's validation, so a bad variable stops the start with one line naming it. */
export function validateConfiguration(): void {
  for (const load of APP_CONFIGURATION) load();
}

/**
 * The disk the metrics (and the health checks) watch: METRICS_DISK_PATH, else the SQLite file's,
 * else the backups'. The replicas share their snapshots through the cache's Redis, under keys
 * beside the cache namespace rather than in it (a cache clear must not take them).
 */
export function metricsOptions(
  metrics: MetricsConfig,
  database: DatabaseConfig,
  backup: BackupConfig,
  cache: CacheConfig,
  app: AppConfig,
): MetricsConfig {
  const connection = database.connection;
  const redis = redisConnectionOptions(cache);
  return {
    ...metrics,
    diskPath: metrics.diskPath ?? (connection.engine === 'sqlite' ? dirname(connection.path) : backup.dir),
    redis: redis && { connection: redis, keyPrefix: besideNamespace(cache, 'metrics') },
    build: { version: app.version, revision: app.revision },
  };
}

/** What backups take from the rest of the app: the database (and its live connection), Redis, the metrics. */
function backupOptions(
  database: DatabaseConfig,
  registry: Registry,
  sections: MetricsSectionsRegistry,
  dataSource: DataSource,
): BackupModuleOptions {
  const cache: CacheConfig = cacheConfig();
  return {
    database: database.connection,
    instanceId: instanceId(),
    sqliteConnection: dataSource,
    redis: redisConnectionOptions(cache),
    reservedRedisPrefixes: [cache.namespace],
    prometheusRegistry: registry,
    metricsSections: sections,
  };
}

const health = HealthModule.forRootAsync({ useFactory: healthConfig });

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: INJECTED_CONFIGURATION }),
    SentryModule,
    MetricsModule.forRootAsync({
      inject: [databaseConfig.KEY, backupConfig.KEY, appConfig.KEY],
      useFactory: (database: DatabaseConfig, backup: BackupConfig, app: AppConfig) =>
        metricsOptions(metricsConfig(), database, backup, cacheConfig(), app),
    }),
    CacheModule.forRootAsync({ useFactory: cacheConfig }),
    DatabaseModule.forRoot({ entities: ENTITIES }),
    AuthModule,
    DemoDataModule,
    UsersModule,
    MentorsModule,
    CoursesModule,
    ReviewsModule,
    health,
    BackupModule.forRootAsync({
      inject: [databaseConfig.KEY, PROMETHEUS_REGISTRY, MetricsSectionsRegistry, getDataSourceToken()],
      useFactory: backupOptions,
    }),
    AdminDashboardModule.forRoot({ health }),
  ],
})
export class AppModule {}
