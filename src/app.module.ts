import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminDashboardModule } from './admin-dashboard/admin-dashboard.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BackupModule } from './backup/backup.module.js';
import { CacheModule } from './cache/cache.module.js';
import { CONFIG_NAMESPACES } from './config/configuration.js';
import { CoursesModule } from './courses/courses.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoDataModule } from './demo-data/demo-data.module.js';
import { HealthModule } from './health/health.module.js';
import { MentorsModule } from './mentors/mentors.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReviewsModule } from './reviews/reviews.module.js';
import { SentryModule } from './sentry/sentry.module.js';
import { UsersModule } from './users/users.module.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: CONFIG_NAMESPACES }),
    SentryModule,
    MetricsModule,
    CacheModule,
    DatabaseModule,
    AuthModule,
    DemoDataModule,
    UsersModule,
    MentorsModule,
    CoursesModule,
    ReviewsModule,
    HealthModule,
    BackupModule,
    AdminDashboardModule,
  ],
})
export class AppModule {}
