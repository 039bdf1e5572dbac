import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { KeyvAdapter, type Cache, type CacheManagerStore } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import type { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { cacheConfig, type CacheConfig } from '../config/cache.config.js';
import { REDIS_CLIENT, SCAN_BATCH } from '../cache.constants.js';
import type { CacheStore } from './cache-store.js';

/**
 * The Keyv store @nestjs/cache-manager gets: cache-manager-ioredis-yet's legacy store wrapped by
 * cache-manager's KeyvAdapter. Keys are used as given (our namespace is already in them), values
 * are JSON (a Date comes back as its ISO string). The legacy store's reset() (FLUSHDB) and
 * keys() (KEYS) are never reached: clear() never goes through cache-manager.
 */
export function createRedisKeyv(client: Redis): Keyv {
  const legacyStore = redisInsStore(client) as unknown as CacheManagerStore;
  return new Keyv({
    store: new KeyvAdapter(legacyStore),
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
    serialize: JSON.stringify,
    deserialize: JSON.parse,
  });
}

export type RedisHealthListener = (healthy: boolean, reason: string) => void;

/**
 * Redis through cache-manager for get/set/delete, and SCAN + UNLINK on the ioredis client for
 * pattern clears. Tracks health from the connection's events and from command failures; while
 * unhealthy with the connection still up (e.g. a stalled server), a PING probe detects recovery.
 */
@Injectable()
export class RedisCacheStore implements CacheStore, OnModuleDestroy {
  private readonly logger = new Logger(RedisCacheStore.name);
  private healthy = false;
  private probe?: NodeJS.Timeout;
  private listener: RedisHealthListener = () => undefined;
  private stopped = false;
  lastError?: string;
  /** Failed commands since start. */
  failures = 0;

  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(REDIS_CLIENT) private readonly client: Redis | null,
    @Inject(cacheConfig.KEY) private readonly config: CacheConfig,
  ) {}

  get configured(): boolean {
    return this.client !== null;
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Subscribes to health changes and opens the connection; resolves once connected or failed. */
  async start(listener: RedisHealthListener): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.listener = listener;
    client.on('ready', () => this.markUp());
    client.on('close', () => this.markDown('connection closed'));
    // Without a listener ioredis would report each failed reconnection as an unhandled error.
    client.on('error', (error: Error) => {
      this.lastError = error.message;
      this.logger.debug(`Redis error: ${error.message}`);
    });
    this.cache.on('get', ({ error }) => {
      if (error !== undefined) this.reportFailure(error);
    });
    try {
      // Awaited: before the connection is ready every command fails (no offline queue).
      await client.connect();
    } catch (error) {
      this.markDown(describe(error));
    }
  }

  /** A command failed: stop using Redis until it answers again. */
  reportFailure(error: unknown): void {
    this.failures++;
    this.markDown(describe(error));
  }

  /** Resolves to undefined on a miss and on a failure (reported as a health change). */
  get(key: string): Promise<unknown> {
    return this.cache.get(key);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.guard(this.cache.set(key, value, ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.guard(this.cache.del(key));
  }

  /** SCAN … MATCH … COUNT with batched UNLINK: Redis keeps serving between steps (never KEYS, never FLUSHDB). */
  async clear(pattern: string): Promise<number> {
    const client = this.requireClient();
    let cursor = '0';
    let deleted = 0;
    let unlinking: Promise<number> | undefined;
    try {
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
        cursor = next;
        if (keys.length > 0) {
          // One UNLINK in flight while the next SCAN step runs.
          if (unlinking) deleted += await unlinking;
          unlinking = client.unlink(...keys);
        }
      } while (cursor !== '0');
      if (unlinking) deleted += await unlinking;
      return deleted;
    } catch (error) {
      unlinking?.catch(() => undefined);
      this.reportFailure(error);
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.stopProbe();
    const client = this.client;
    if (!client) return;
    // The legacy store has no disconnect: without this the process would not exit.
    if (client.status === 'ready') {
      try {
        await client.quit();
        return;
      } catch (error) {
        this.logger.debug(`Redis QUIT failed: ${describe(error)}`);
      }
    }
    client.disconnect(false);
  }

  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      this.reportFailure(error);
      throw error;
    }
  }

  private requireClient(): Redis {
    if (!this.client) throw new Error('Redis is not configured');
    return this.client;
  }

  private markDown(reason: string): void {
    this.lastError = reason;
    if (this.stopped || (!this.healthy && this.probe)) return;
    this.healthy = false;
    this.startProbe();
    this.listener(false, reason);
  }

  private markUp(): void {
    if (this.healthy || this.stopped) return;
    this.healthy = true;
    this.stopProbe();
    this.listener(true, 'Redis answers');
  }

  private startProbe(): void {
    if (this.probe) return;
    this.probe = setInterval(() => {
      const client = this.client;
      // While reconnecting, ioredis' own 'ready' event reports the recovery.
      if (client?.status !== 'ready') return;
      client.ping().then(
        () => this.markUp(),
        (error: unknown) => (this.lastError = describe(error)),
      );
    }, this.config.retryIntervalMs);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
