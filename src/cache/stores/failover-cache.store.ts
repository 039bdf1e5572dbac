import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { cacheConfig, type CacheConfig } from '../config/cache.config.js';
import type { CacheStatus, CacheStoreName } from './cache-store.js';
import { MemoryCacheStore } from './memory-cache.store.js';
import { RedisCacheStore, type FillTicket } from './redis-cache.store.js';

/** What a fill read before loading: Redis' generations, or the memory store's invalidation epoch. */
export type Fill = { store: 'redis'; ticket: FillTicket } | { store: 'memory'; epoch: number };

/** Applies what is pending for Redis before the switch back; resolves to whether everything was applied. */
export type RecoveryHook = () => Promise<boolean>;

export interface InvalidationOutcome {
  deleted: number;
  /** Whether Redis applied it (false while degraded or when Redis failed: it stays pending). */
  applied: boolean;
}

/**
 * Routes every operation to Redis while RedisCacheStore calls it healthy and to a bounded
 * in-memory store while it does not, so a Redis outage never fails or stalls a request. Memory
 * entries live at most CACHE_DEGRADED_TTL, so other replicas' writes reach this one within that
 * bound. Before switching back, the recovery hook applies every pending invalidation to Redis;
 * then the memory store is emptied.
 */
@Injectable()
export class FailoverCacheStore implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(FailoverCacheStore.name);
  readonly memory: MemoryCacheStore;
  private active: CacheStoreName = 'memory';
  private since = new Date();
  private recovering?: Promise<void>;
  private beforeSwitchBack: RecoveryHook = async () => true;
  /** Bumped by every invalidation applied here: a memory fill that overlapped one does not store. */
  private epoch = 0;
  /** Set at bootstrap: the switch to Redis waits for it, and it reports the start-up switch in a single line. */
  private started = false;
  private announced = false;
  /** Switches from Redis to the memory store since start. */
  fallbacks = 0;

  constructor(
    private readonly redis: RedisCacheStore,
    @Inject(cacheConfig.KEY) private readonly config: CacheConfig,
  ) {
    this.memory = new MemoryCacheStore(config.memoryMaxEntries);
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis.configured) return;
    await this.redis.start((healthy, reason) => (healthy ? void this.recover() : this.onRedisDown(reason)));
  }

  /** The first switch to Redis waits for this: pending invalidations are applied first, and the migrations have run by now. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis.configured) {
      this.logger.log('Cache uses the in-memory store (REDIS_URL is unset)');
      return;
    }
    this.started = true;
    await this.recover();
    if (this.active === 'redis') {
      this.logger.log(`Cache uses Redis at ${this.config.redis?.display}`);
    } else {
      this.logger.warn(
        `Cache cannot reach Redis at ${this.config.redis?.display} (${this.redis.lastError}); using the in-memory store until it answers`,
      );
    }
    this.announced = true;
  }

  setRecoveryHook(hook: RecoveryHook): void {
    this.beforeSwitchBack = hook;
  }

  /** Redis commands that failed since start. */
  get errors(): number {
    return this.redis.failures;
  }

  get activeStore(): CacheStoreName {
    return this.active;
  }

  /** Redis answers again but the memory store still serves. */
  get needsRecovery(): boolean {
    return this.active === 'memory' && this.redis.configured && this.redis.isHealthy;
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

  /** The stored JSON, undefined on a miss. */
  get(key: string): Promise<string | undefined> {
    return this.active === 'redis' ? this.redis.get(key) : Promise.resolve(this.memory.get(key));
  }

  /** Read before a fill loads; undefined when Redis did not answer (the fill must not store). */
  async beginFill(key: string): Promise<Fill | undefined> {
    if (this.active === 'memory') return { store: 'memory', epoch: this.epoch };
    const ticket = await this.redis.fillTicket(key);
    return ticket && { store: 'redis', ticket };
  }

  /** Stores a fill's result unless an invalidation ran since `beginFill` (or the store changed meanwhile). */
  async completeFill(key: string, json: string, ttlMs: number, fill: Fill): Promise<boolean> {
    if (fill.store !== this.active) return false;
    if (fill.store === 'redis') return this.redis.set(key, json, ttlMs, fill.ticket);
    if (fill.epoch !== this.epoch) return false;
    this.setInMemory(key, json, ttlMs);
    return true;
  }

  async set(key: string, json: string, ttlMs: number): Promise<void> {
    if (this.active === 'redis') await this.redis.set(key, json, ttlMs);
    else this.setInMemory(key, json, ttlMs);
  }

  /** Applies the patterns (full keys' globs) here and, while it serves, on Redis. Never throws. */
  async invalidate(patterns: readonly string[]): Promise<InvalidationOutcome> {
    const deleted = this.invalidateMemory(patterns);
    if (this.active !== 'redis') return { deleted, applied: false };
    try {
      return { deleted: deleted + (await this.redis.invalidate(patterns)), applied: true };
    } catch {
      return { deleted, applied: false };
    }
  }

  /** Applies the patterns on Redis whichever store serves (draining the outbox); throws when Redis fails. */
  invalidateRedis(patterns: readonly string[]): Promise<number> {
    return this.redis.invalidate(patterns);
  }

  /** Drops matching memory entries only (another replica's invalidation seen while degraded). */
  invalidateMemory(patterns: readonly string[]): number {
    this.epoch++;
    let deleted = 0;
    for (const pattern of patterns) deleted += this.memory.clear(pattern);
    return deleted;
  }

  /** Switches back to Redis once the recovery hook applied everything pending; concurrent calls share one attempt. */
  recover(): Promise<void> {
    this.recovering ??= this.switchBack().finally(() => (this.recovering = undefined));
    return this.recovering;
  }

  private async switchBack(): Promise<void> {
    if (!this.started || !this.needsRecovery) return;
    const drained = await this.beforeSwitchBack().catch(() => false);
    if (!drained || !this.needsRecovery) return;
    this.switchTo('redis');
    this.memory.clearAll();
    this.epoch++;
    if (this.announced) {
      this.logger.log(
        `Cache switched back to Redis at ${this.config.redis?.display}: applied the pending invalidations, emptied the in-memory store`,
      );
    }
  }

  /** While Redis is configured (and down), memory entries live at most CACHE_DEGRADED_TTL. */
  private setInMemory(key: string, json: string, ttlMs: number): void {
    this.memory.set(key, json, this.redis.configured ? Math.min(ttlMs, this.config.degradedTtlMs) : ttlMs);
  }

  private onRedisDown(reason: string): void {
    if (this.active !== 'redis') return;
    this.switchTo('memory');
    this.fallbacks++;
    this.logger.warn(`Cache switched to the in-memory store: Redis at ${this.config.redis?.display} failed (${reason})`);
  }

  private switchTo(store: CacheStoreName): void {
    this.active = store;
    this.since = new Date();
  }
}
