import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CacheAdminController } from './cache-admin.controller.js';
import { CacheMetrics } from './cache.metrics.js';
import { CacheService } from './cache.service.js';
import type { CacheConfig } from './config/cache.config.js';
import { CachedMethodsExplorer } from './decorators/cached-methods.explorer.js';
import { CacheHealthContribution } from './health/cache.health.js';
import { CacheInvalidationOutbox } from './invalidation/cache-invalidation.outbox.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';
import { RedisCacheStore } from './stores/redis-cache.store.js';
import { RedisClientModule, type CacheModuleAsyncOptions } from './stores/redis-client.module.js';

/**
 * CacheService (Redis with an in-memory failover), @Cached()/@CacheEvict() on singleton providers,
 * the invalidation outbox (when the app has a TypeORM connection with the cache_invalidation
 * table), the admin clear endpoint (`DELETE /api/v1/admin/cache`), and its figures for the
 * metrics and health modules when the app has them. `forRootAsync({ useFactory: cacheConfig })`
 * reads the environment.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [CacheAdminController],
  providers: [
    RedisCacheStore,
    FailoverCacheStore,
    CacheInvalidationOutbox,
    CacheService,
    CachedMethodsExplorer,
    CacheMetrics,
    CacheHealthContribution,
  ],
  exports: [CacheService],
})
export class CacheModule {
  static forRoot(options: CacheConfig): DynamicModule {
    return { module: CacheModule, imports: [RedisClientModule.forRoot(options)] };
  }

  static forRootAsync(options: CacheModuleAsyncOptions): DynamicModule {
    return { module: CacheModule, imports: [RedisClientModule.forRootAsync(options)] };
  }
}
