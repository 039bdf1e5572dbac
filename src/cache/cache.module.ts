import { CacheModule as CacheManagerModule, type CacheModuleOptions as CacheManagerOptions } from '@nestjs/cache-manager';
import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { CacheAdminController } from './cache-admin.controller.js';
import { REDIS_CLIENT } from './cache.constants.js';
import { CacheMetrics } from './cache.metrics.js';
import { CacheService } from './cache.service.js';
import type { CacheConfig } from './config/cache.config.js';
import { CachedMethodsExplorer } from './decorators/cached-methods.explorer.js';
import { CacheHealthContribution } from './health/cache.health.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';
import { createRedisKeyv, RedisCacheStore } from './stores/redis-cache.store.js';
import { RedisClientModule, type CacheModuleAsyncOptions } from './stores/redis-client.module.js';

/**
 * CacheService (Redis with an in-memory failover), @Cached()/@CacheEvict() on singleton providers,
 * the admin clear endpoint (`DELETE /api/v1/admin/cache`), and its figures for the metrics and
 * health modules when the app has them. `forRootAsync({ useFactory: cacheConfig })` reads the
 * environment.
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [CacheAdminController],
  providers: [RedisCacheStore, FailoverCacheStore, CacheService, CachedMethodsExplorer, CacheMetrics, CacheHealthContribution],
  exports: [CacheService],
})
export class CacheModule {
  static forRoot(options: CacheConfig): DynamicModule {
    return CacheModule.over(RedisClientModule.forRoot(options));
  }

  static forRootAsync(options: CacheModuleAsyncOptions): DynamicModule {
    return CacheModule.over(RedisClientModule.forRootAsync(options));
  }

  /** One connection for both users of the client: cache-manager's store and CacheModule. */
  private static over(connection: DynamicModule): DynamicModule {
    return {
      module: CacheModule,
      imports: [
        connection,
        CacheManagerModule.registerAsync({
          imports: [connection],
          inject: [REDIS_CLIENT],
          // Without REDIS_URL cache-manager is left with its default store, which nothing uses.
          useFactory: (client: Redis | null): CacheManagerOptions => (client ? { stores: [createRedisKeyv(client)] } : {}),
        }),
      ],
    };
  }
}
