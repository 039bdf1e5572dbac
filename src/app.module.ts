import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AdminDashboardModule } from './admin-dashboard/admin-dashboard.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BackupModule } from './backup/backup.module.js';
import type { BackupModuleOptions } from './backup/backup.options.js';
import { cacheConfig, type CacheConfig } from './cache/cache.config.js';
import { CacheModule } from './cache/cache.module.js';
import { RequestContextModule } from './common/request-context/request-context.module.js';
import { appConfig, type AppConfig } from './config/app.config.js';
import { CONFIG_NAMESPACES } from './config/configuration.js';
import { CoursesModule } from './courses/courses.module.js';
import { databaseConfig, type DatabaseConfig } from './database/database.config.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoDataModule } from './demo-data/demo-data.module.js';
import { HealthModule } from './health/health.module.js';
import { MentorsModule } from './mentors/mentors.module.js';
import { MetricsSectionsRegistry } from './metrics/metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from './metrics/metrics.constants.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReviewsModule } from './reviews/reviews.module.js';
import { SentryModule } from './sentry/sentry.module.js';
import { UsersModule } from './users/users.module.js';

/** What the backup module takes from the rest of the app: the database (and its live connection), Redis, metrics. */
function backupOptions(
  app: AppConfig,
  database: DatabaseConfig,
  cache: CacheConfig,
  registry: Registry,
  sections: MetricsSectionsRegistry,
  dataSource: DataSource,
): BackupModuleOptions {
  const redis = cache.redis;
  return {
    database: database.connection,
    instanceId: app.instanceId,
    sqliteConnection: dataSource,
    redis: redis && {
      host: redis.host,
      port: redis.port,
      db: redis.db,
      username: redis.username,
      password: redis.password,
      tls: redis.tls ? {} : undefined,
    },
    reservedRedisPrefixes: [cache.namespace],
    prometheusRegistry: registry,
    metricsSections: sections,
  };
}

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: CONFIG_NAMESPACES }),
    SentryModule,
    MetricsModule,
    RequestContextModule,
    CacheModule,
    DatabaseModule,
    AuthModule,
    DemoDataModule,
    UsersModule,
    MentorsModule,
    CoursesModule,
    ReviewsModule,
    HealthModule,
    BackupModule.forRootAsync({
      inject: [appConfig.KEY, databaseConfig.KEY, cacheConfig.KEY, PROMETHEUS_REGISTRY, MetricsSectionsRegistry, getDataSourceToken()],
      useFactory: backupOptions,
    }),
    AdminDashboardModule,
  ],
})
export class AppModule {}
