import { Inject, Injectable } from '@nestjs/common';
import { RequestContext } from '../common/request-context/request-context.js';
import { cacheConfig, type CacheConfig } from './config/cache.config.js';
import { assertValidKey, assertValidPattern, buildCacheKey, invalidKeyError, scopeSegment } from './cache-key.js';
import type { CacheStatus, CacheStoreName } from './stores/cache-store.js';
import type { CacheMetricsSnapshot } from './cache.metrics.js';
import { CacheInvalidationOutbox, type PendingInvalidations } from './invalidation/cache-invalidation.outbox.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';

export interface CachedCallOptions {
  ttl: number;
  keyPrefix: string;
  skipAuth?: boolean;
}

export interface CacheClearResult {
  pattern: string;
  deleted: number;
  /** The store the pattern was cleared in; `memory` also leaves it pending for Redis' recovery. */
  store: CacheStoreName;
}

function toMilliseconds(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cache TTL must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/**
 * The cache every module uses. Keys and patterns are relative to the configured namespace
 * (`mentor:42` is stored as `mentorhub:mentor:42`), so the app never touches keys that are not
 * its own. TTLs are in seconds. Values are stored as one JSON string and come back as JSON (a
 * Date becomes its ISO string), on a hit and on a miss alike. Never throws because of Redis: it
 * falls back to memory. Invalidations go through the outbox, so they survive an outage and a crash.
 */
@Injectable()
export class CacheService {
  private readonly namespace: string;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private hits = 0;
  private misses = 0;
  private sets = 0;
  private invalidations = 0;

  constructor(
    private readonly store: FailoverCacheStore,
    private readonly outbox: CacheInvalidationOutbox,
    @Inject(cacheConfig.KEY) config: CacheConfig,
  ) {
    this.namespace = config.namespace;
  }

  // Not async, like read(): a hit goes through as few promises as possible.
  get<T = unknown>(key: string): Promise<T | undefined> {
    const invalid = invalidKeyError(key);
    if (invalid) return Promise.reject(invalid);
    return this.read(this.namespace + key) as Promise<T | undefined>;
  }

  /** Stores a JSON-serialisable value; `null` and `undefined` are not cached. */
  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    assertValidKey(key);
    const ttlMs = toMilliseconds(ttlSeconds);
    if (value === undefined || value === null) return;
    this.sets++;
    await this.store.set(this.namespace + key, JSON.stringify(value), ttlMs);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.invalidate([key]);
  }

  /** Deletes every key matching a glob (`*`, `?`) inside the namespace; resolves to how many. */
  async clear(pattern: string): Promise<number> {
    return (await this.invalidateCache(pattern)).deleted;
  }

  async invalidateCache(pattern: string): Promise<CacheClearResult> {
    assertValidPattern(pattern);
    const { deleted } = await this.invalidate([pattern]);
    return { pattern, deleted, store: this.store.activeStore };
  }

  /** What @CacheEvict() runs: the write, its invalidation rows committed with its transaction, then applied. */
  evictAfter<T>(patterns: readonly string[], write: () => Promise<T>): Promise<T> {
    for (const pattern of patterns) assertValidPattern(pattern);
    return this.outbox.around(patterns, write).then((result) => {
      this.invalidations += patterns.length;
      return result;
    });
  }

  pendingInvalidations(): PendingInvalidations {
    return this.outbox.pendingInvalidations();
  }

  /**
   * Get-or-load: returns the cached value, or runs `load` once for all concurrent callers of
   * this key in this process, caches its result (unless it is null/undefined) and returns it
   * in its cached (JSON) form. A failing load is not cached and rejects for every caller.
   */
  async wrap<T>(key: string, load: () => Promise<T>, ttlSeconds: number): Promise<T> {
    assertValidKey(key);
    return this.wrapFull(this.namespace + key, load, toMilliseconds(ttlSeconds));
  }

  /** What @Cached() runs: the key comes from the prefix, the arguments and the current user. */
  cachedCall<T>(options: CachedCallOptions, args: readonly unknown[], load: () => Promise<T>): Promise<T> {
    const ttlMs = toMilliseconds(options.ttl);
    const user = options.skipAuth ? 'shared' : RequestContext.currentUserId();
    // Outside a request nobody is known: per-user entries cannot be told apart, so do not cache.
    if (user === undefined) return load();
    return this.wrapFull(this.namespace + buildCacheKey(options.keyPrefix, args, scopeSegment(user)), load, ttlMs);
  }

  status(): CacheStatus {
    return this.store.status();
  }

  metrics(): CacheMetricsSnapshot {
    const status = this.store.status();
    const lookups = this.hits + this.misses;
    const pending = this.outbox.pendingInvalidations();
    return {
      store: status.store,
      redis_configured: status.redisConfigured,
      redis_healthy: status.redisHealthy,
      degraded: status.degraded,
      since: status.since.toISOString(),
      hits: this.hits,
      misses: this.misses,
      hit_rate_percent: lookups === 0 ? 0 : Math.round((this.hits / lookups) * 10_000) / 100,
      sets: this.sets,
      invalidations: this.invalidations,
      errors: this.store.errors,
      fallbacks: this.store.fallbacks,
      memory_entries: this.store.memory.size,
      pending_invalidations: pending.count,
      oldest_pending_invalidation_seconds: Math.round(pending.oldestAgeSeconds * 1000) / 1000,
      last_error: status.lastError ?? null,
    };
  }

  private invalidate(patterns: readonly string[]) {
    this.invalidations += patterns.length;
    return this.outbox.invalidate(patterns);
  }

  private read(fullKey: string): Promise<unknown> {
    return this.store.get(fullKey).then((json) => {
      if (json === undefined) {
        this.misses++;
        return undefined;
      }
      this.hits++;
      return JSON.parse(json) as unknown;
    });
  }

  private async wrapFull<T>(fullKey: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
    const running = this.inflight.get(fullKey);
    if (running) return running as Promise<T>;
    const cached = await this.read(fullKey);
    if (cached !== undefined) return cached as T;
    // Another caller may have started loading while we read.
    const started = this.inflight.get(fullKey);
    if (started) return started as Promise<T>;
    const loading = this.load(fullKey, load, ttlMs).finally(() => this.inflight.delete(fullKey));
    this.inflight.set(fullKey, loading);
    return loading;
  }

  private async load<T>(fullKey: string, load: () => Promise<T>, ttlMs: number): Promise<T> {
    // Read before loading: an invalidation after this point keeps the (possibly old) result out of the cache.
    const fill = await this.store.beginFill(fullKey);
    const value = await load();
    if (value === undefined || value === null) return value;
    const json = JSON.stringify(value);
    if (fill && (await this.store.completeFill(fullKey, json, ttlMs, fill))) this.sets++;
    // The same shape a hit returns, so callers never see a Date on a miss and a string on a hit.
    return JSON.parse(json) as T;
  }
}
