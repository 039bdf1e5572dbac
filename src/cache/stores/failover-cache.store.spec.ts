import { globToRegExp } from '../cache-key.js';
import { MAX_PENDING_INVALIDATIONS } from '../cache.constants.js';
import type { CacheConfig } from '../config/cache.config.js';
import { FailoverCacheStore } from './failover-cache.store.js';
import type { RedisCacheStore, RedisHealthListener } from './redis-cache.store.js';

const NAMESPACE = 'ns:';
const DISPLAY = 'redis://cache:6379/0';

/**
 * Redis as FailoverCacheStore sees it: a map, health reported through the start() listener, and a
 * failing command reported as RedisCacheStore does (listener first, then the rejection).
 */
class FakeRedis {
  readonly entries = new Map<string, unknown>();
  readonly commands: string[] = [];
  isHealthy = false;
  failures = 0;
  lastError?: string = 'connect ECONNREFUSED';
  /** The next command of this kind finds the connection gone. */
  dropBefore?: 'delete' | 'clear';
  private listener: RedisHealthListener = () => undefined;

  constructor(
    readonly configured = true,
    private healthyAtStart = true,
  ) {}

  async start(listener: RedisHealthListener): Promise<void> {
    this.listener = listener;
    if (this.healthyAtStart) this.up();
  }

  down(): void {
    this.isHealthy = false;
    this.listener(false, 'connection closed');
  }

  up(): void {
    this.isHealthy = true;
    this.listener(true, '');
  }

  async get(key: string): Promise<unknown> {
    this.command(`get ${key}`);
    return this.entries.get(key);
  }

  async set(key: string, value: unknown): Promise<void> {
    this.command(`set ${key}`);
    this.entries.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.command(`delete ${key}`);
    this.entries.delete(key);
  }

  async clear(pattern: string): Promise<number> {
    this.command(`clear ${pattern}`);
    const matcher = globToRegExp(pattern);
    const matching = [...this.entries.keys()].filter((key) => matcher.test(key));
    for (const key of matching) this.entries.delete(key);
    return matching.length;
  }

  private command(text: string): void {
    if (this.dropBefore && text.startsWith(this.dropBefore)) {
      this.dropBefore = undefined;
      this.isHealthy = false;
    }
    if (!this.isHealthy) {
      this.failures++;
      this.down();
      throw new Error('Connection is closed.');
    }
    this.commands.push(text);
  }
}

const config = (redis = true) =>
  ({
    namespace: NAMESPACE,
    memoryMaxEntries: 100,
    redis: redis ? { host: 'cache', port: 6379, db: 0, tls: false, display: DISPLAY } : undefined,
  }) as CacheConfig;

async function failover(redis = new FakeRedis()) {
  const store = new FailoverCacheStore(redis as unknown as RedisCacheStore, config(redis.configured));
  await store.onModuleInit();
  return { store, redis };
}

/** Lets the recovery that an `up()` started finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FailoverCacheStore', () => {
  it('uses the memory store alone when no Redis is configured, and remembers nothing for a recovery', async () => {
    const { store, redis } = await failover(new FakeRedis(false, false));
    await store.set('ns:a', 1, 1000);
    expect(await store.get('ns:a')).toBe(1);
    await store.delete('ns:a');
    expect(await store.clear('ns:*')).toBe(0);
    expect(store.activeStore).toBe('memory');
    expect(store.status()).toMatchObject({ store: 'memory', redisConfigured: false, degraded: false });
    redis.up();
    await settle();
    expect(redis.commands).toEqual([]);
  });

  it('serves from Redis while it is healthy', async () => {
    const { store, redis } = await failover();
    await store.set('ns:a', { v: 1 }, 1000);
    expect(await store.get('ns:a')).toEqual({ v: 1 });
    expect(await store.clear('ns:*')).toBe(1);
    await store.delete('ns:b');
    expect(redis.commands).toEqual(['set ns:a', 'get ns:a', 'clear ns:*', 'delete ns:b']);
    expect(store.memory.size).toBe(0);
    expect(store.status()).toMatchObject({ store: 'redis', redisConfigured: true, redisHealthy: true, degraded: false, redisUrl: DISPLAY });
    expect(store.fallbacks).toBe(0);
  });

  it('starts on the memory store when Redis does not answer, and moves to Redis once it does', async () => {
    const { store, redis } = await failover(new FakeRedis(true, false));
    expect(store.status()).toMatchObject({ store: 'memory', degraded: true, lastError: 'connect ECONNREFUSED' });
    await store.set('ns:a', 1, 1000);
    const before = store.status().since;
    redis.up();
    await settle();
    expect(store.activeStore).toBe('redis');
    expect(store.status().since.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(store.memory.size).toBe(0);
    expect(store.fallbacks).toBe(0);
    const since = store.status().since;
    await store.set('ns:b', 1, 1000);
    redis.up();
    await settle();
    expect(store.status().since).toBe(since);
    expect(await store.get('ns:b')).toBe(1);
  });

  it('falls back to memory when a command fails, without failing the caller', async () => {
    const { store, redis } = await failover();
    redis.isHealthy = false;
    await store.set('ns:a', 'kept', 1000);
    expect(store.activeStore).toBe('memory');
    expect(store.fallbacks).toBe(1);
    expect(store.errors).toBe(1);
    expect(await store.get('ns:a')).toBe('kept');
    await store.delete('ns:b');
    expect(store.errors).toBe(1);
    expect(store.status()).toMatchObject({ store: 'memory', redisHealthy: false, degraded: true });
  });

  it('applies a failed invalidation to memory and replays it on Redis before switching back', async () => {
    const { store, redis } = await failover();
    redis.entries.set('ns:a', 1);
    redis.entries.set('ns:list:1', 1);
    redis.entries.set('ns:list:2', 1);
    redis.entries.set('ns:kept', 1);
    redis.isHealthy = false;
    await store.delete('ns:a');
    expect(await store.clear('ns:list:*')).toBe(0);
    await store.set('ns:kept', 2, 1000);
    redis.down();
    expect(store.fallbacks).toBe(1);
    redis.up();
    await settle();
    expect(store.activeStore).toBe('redis');
    expect(redis.commands).toEqual(['delete ns:a', 'clear ns:list:*']);
    expect([...redis.entries.keys()]).toEqual(['ns:kept']);
    expect(store.memory.size).toBe(0);
    redis.commands.length = 0;
    redis.up();
    await settle();
    expect(redis.commands).toEqual([]);
  });

  it('clears the whole namespace on recovery when more invalidations were pending than it keeps', async () => {
    const { store, redis } = await failover();
    redis.entries.set('ns:never-invalidated', 1);
    redis.entries.set('other:key', 1);
    redis.down();
    for (let index = 0; index <= MAX_PENDING_INVALIDATIONS; index++) await store.delete(`ns:k${index}`);
    redis.up();
    await settle();
    expect(store.activeStore).toBe('redis');
    expect(redis.commands).toEqual(['clear ns:*']);
    expect([...redis.entries.keys()]).toEqual(['other:key']);
  });

  it('replays invalidations one by one up to the limit', async () => {
    const { store, redis } = await failover();
    redis.down();
    for (let index = 0; index < MAX_PENDING_INVALIDATIONS - 1; index++) await store.delete(`ns:k${index}`);
    await store.clear('ns:p:*');
    redis.up();
    await settle();
    expect(redis.commands).toHaveLength(MAX_PENDING_INVALIDATIONS);
    expect(redis.commands.at(-1)).toBe('clear ns:p:*');
  });

  it('keeps the pending invalidations and stays on memory when Redis fails during the replay', async () => {
    const { store, redis } = await failover();
    redis.down();
    await store.delete('ns:a');
    await store.clear('ns:p:*');
    redis.dropBefore = 'delete';
    redis.up();
    await settle();
    expect(store.activeStore).toBe('memory');
    redis.up();
    await settle();
    expect(store.activeStore).toBe('redis');
    expect(redis.commands).toEqual(['delete ns:a', 'clear ns:p:*']);
  });

  it('keeps the namespace clear pending when Redis fails while clearing it', async () => {
    const { store, redis } = await failover();
    redis.down();
    for (let index = 0; index <= MAX_PENDING_INVALIDATIONS; index++) await store.delete(`ns:k${index}`);
    redis.dropBefore = 'clear';
    redis.up();
    await settle();
    expect(store.activeStore).toBe('memory');
    redis.entries.set('ns:written-meanwhile', 1);
    redis.up();
    await settle();
    expect(redis.commands).toEqual(['clear ns:*']);
    expect(redis.entries.size).toBe(0);
  });

  it('stays on memory when Redis drops again before the recovery switches back', async () => {
    const { store, redis } = await failover();
    redis.down();
    await store.delete('ns:a');
    redis.delete = async () => {
      redis.isHealthy = false;
    };
    redis.up();
    await settle();
    expect(store.activeStore).toBe('memory');
  });
});
