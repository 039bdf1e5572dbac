import { CacheModule as CacheManagerModule, type CacheModuleOptions as CacheManagerOptions } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { CacheAdminController } from './cache-admin.controller.js';
import { REDIS_CLIENT } from './cache.constants.js';
import { CacheService } from './cache.service.js';
import { CachedMethodsExplorer } from './decorators/cached-methods.explorer.js';
import { CacheHealthContribution } from './health/cache.health.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';
import { RedisClientModule } from './stores/redis-client.module.js';
import { createRedisKeyv, RedisCacheStore } from './stores/redis-cache.store.js';

/**
 * The cache without HTTP: what any process of the app uses (the backup CLI clears it after a
 * restore). Global: any provider can use CacheService, @Cached() and @CacheEvict().
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    RedisClientModule,
    CacheManagerModule.registerAsync({
      imports: [RedisClientModule],
      inject: [REDIS_CLIENT],
      // Without REDIS_URL cache-manager is left with its default store, which nothing uses.
      useFactory: (client: Redis | null): CacheManagerOptions => (client ? { stores: [createRedisKeyv(client)] } : {}),
    }),
  ],
  providers: [RedisCacheStore, FailoverCacheStore, CacheService, CachedMethodsExplorer, CacheHealthContribution],
  exports: [CacheService],
})
export class CacheCoreModule {}

/** The cache with its admin endpoint (`DELETE /api/v1/admin/cache`). */
@Module({
  imports: [CacheCoreModule],
  controllers: [CacheAdminController],
})
export class CacheModule {}
