import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { cacheConfig, redisConnectionOptions, type CacheConfig } from '../config/cache.config.js';
import { REDIS_CLIENT } from '../cache.constants.js';

/**
 * Fail fast instead of ioredis' defaults (a GET against a down Redis waits ~10 s, a SET ~32 s):
 * no offline queue, a command timeout (a slower command is a miss, not an outage), no
 * per-command retries. The connection is opened by RedisCacheStore (lazyConnect), which also
 * closes it on shutdown.
 */
export function createRedisClient(config: CacheConfig): Redis | null {
  const connection = redisConnectionOptions(config);
  if (!connection) return null;
  return new Redis({
    ...connection,
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, config.retryIntervalMs),
    // ioredis arms this timer even for an already closed socket (closing while reconnecting),
    // which would keep the process alive for its default 2 s after shutdown.
    disconnectTimeout: 100,
  });
}

/** The options are the `cache` namespace, under its key; this module passes them on to CacheModule with the client. */
const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<CacheConfig>({
  optionsInjectionToken: cacheConfig.KEY,
})
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({ ...definition, exports: [cacheConfig.KEY, REDIS_CLIENT] }))
  .build();

export type CacheModuleAsyncOptions = ConfigurableModuleAsyncOptions<CacheConfig>;

/** The cache's options and its Redis client, for CacheModule. */
@Module({
  providers: [{ provide: REDIS_CLIENT, inject: [cacheConfig.KEY], useFactory: createRedisClient }],
})
export class RedisClientModule extends ConfigurableModuleClass {}
