import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { cacheConfig, type CacheConfig } from '../config/cache.config.js';
import { MAX_PENDING_INVALIDATIONS } from '../cache.constants.js';
import type { CacheStatus, CacheStore, CacheStoreName } from './cache-store.js';
import { MemoryCacheStore } from './memory-cache.store.js';
import { RedisCacheStore } from './redis-cache.store.js';

/**
 * Routes every operation to Redis while it is healthy and to a bounded in-memory store while it
 * is not, so a Redis outage never fails or stalls a request. Invalidations issued during an
 * outage are kept and replayed on Redis before switching back (then the memory store is
 * emptied), so nothing invalidated during the outage can be served from Redis afterwards.
 */
@Injectable()
export class FailoverCacheStore implements CacheStore, OnModuleInit {
  private readonly logger = new Logger(FailoverCacheStore.name);
  readonly memory: MemoryCacheStore;
  private active: CacheStoreName = 'memory';
  private since = new Date();
  private readonly pendingKeys = new Set<string>();
  private readonly pendingPatterns = new Set<string>();
  /** Too many pending invalidations: clear the whole namespace on recovery instead. */
  private pendingFlush = false;
  private recovering?: Promise<void>;
  /** Switches during start-up are reported by onModuleInit's single line. */
  private started = false;
  /** Switches from Redis to the memory store since start. */
  fallbacks = 0;

  constructor(
    private readonly redis: RedisCacheStore,
    @Inject(cacheConfig.KEY) private readonly config: CacheConfig,
  ) {
    this.memory = new MemoryCacheStore(config.memoryMaxEntries);
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis.configured) {
      this.logger.log('Cache uses the in-memory store (REDIS_URL is unset)');
      return;
    }
    await this.redis.start((healthy, reason) => (healthy ? this.onRedisUp() : this.onRedisDown(reason)));
    await this.recovering;
    this.started = true;
    if (this.active === 'redis') {
      this.logger.log(`Cache uses Redis at ${this.config.redis?.display}`);
    } else {
      this.logger.warn(
        `Cache cannot reach Redis at ${this.config.redis?.display} (${this.redis.lastError}); using the in-memory store until it answers`,
      );
    }
  }

  /** Redis commands that failed since start. */
  get errors(): number {
    return this.redis.failures;
  }

  get activeStore(): CacheStoreName {
    return this.active;
  }

  status(): CacheStatus {
    const redisConfigured = this.redis.configured;
    return {
      store: this.active,
      redisConfigured,
      redisHealthy: this.redis.isHealthy,
      degraded: redisConfigured && this.active === 'memory',
      since: this.since,
      lastError: this.redis.lastError,
      redisUrl: this.config.redis?.display,
    };
  }

  get(key: string): Promise<unknown> {
    return this.active === 'redis' ? this.redis.get(key) : Promise.resolve(this.memory.read(key));
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (await this.onRedis(() => this.redis.set(key, value, ttlMs))) return;
    await this.memory.set(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    if (await this.onRedis(() => this.redis.delete(key))) return;
    this.remember(this.pendingKeys, key);
    await this.memory.delete(key);
  }

  async clear(pattern: string): Promise<number> {
    const cleared = await this.onRedis(() => this.redis.clear(pattern));
    if (cleared) return cleared.value;
    this.remember(this.pendingPatterns, pattern);
    return this.memory.clear(pattern);
  }

  /**
   * Runs the operation on Redis while Redis is the active store. Undefined when it is not, or when
   * the operation failed: the Redis store reported that and switched us to memory, where the
   * caller applies it instead (an invalidation is also remembered for Redis' recovery).
   */
  private async onRedis<T>(operation: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.active !== 'redis') return undefined;
    try {
      return { value: await operation() };
    } catch {
      return undefined;
    }
  }

  private remember(pending: Set<string>, item: string): void {
    if (!this.redis.configured || this.pendingFlush) return;
    pending.add(item);
    if (this.pendingKeys.size + this.pendingPatterns.size > MAX_PENDING_INVALIDATIONS) {
      this.pendingFlush = true;
      this.pendingKeys.clear();
      this.pendingPatterns.clear();
    }
  }

  private onRedisDown(reason: string): void {
    if (this.active !== 'redis') return;
    this.switchTo('memory');
    this.fallbacks++;
    this.logger.warn(`Cache switched to the in-memory store: Redis at ${this.config.redis?.display} failed (${reason})`);
  }

  private onRedisUp(): void {
    this.recovering ??= this.recover().finally(() => (this.recovering = undefined));
  }

  /** Replays the outage's invalidations on Redis, then switches back; stays on memory if Redis fails again. */
  private async recover(): Promise<void> {
    const replayed = await this.replayPending();
    if (replayed === undefined || !this.redis.isHealthy || this.active === 'redis') return;
    this.switchTo('redis');
    this.memory.clearAll();
    if (this.started) {
      this.logger.log(
        `Cache switched back to Redis at ${this.config.redis?.display}: replayed ${replayed} pending invalidation(s), emptied the in-memory store`,
      );
    }
  }

  /** How many invalidations were replayed; undefined when Redis failed first (the rest stay pending). */
  private async replayPending(): Promise<number | undefined> {
    let replayed = 0;
    while (this.pendingFlush || this.pendingKeys.size > 0 || this.pendingPatterns.size > 0) {
      if (!this.redis.isHealthy) return undefined;
      const flush = this.pendingFlush;
      const keys = [...this.pendingKeys];
      const patterns = flush ? [`${this.config.namespace}*`] : [...this.pendingPatterns];
      this.pendingFlush = false;
      this.pendingKeys.clear();
      this.pendingPatterns.clear();
      try {
        for (const key of keys) await this.redis.delete(key);
        for (const pattern of patterns) await this.redis.clear(pattern);
        replayed += keys.length + patterns.length;
      } catch {
        if (flush) this.pendingFlush = true;
        for (const key of keys) this.remember(this.pendingKeys, key);
        for (const pattern of patterns) this.remember(this.pendingPatterns, pattern);
        return undefined;
      }
    }
    return replayed;
  }

  private switchTo(store: CacheStoreName): void {
    this.active = store;
    this.since = new Date();
  }
}
