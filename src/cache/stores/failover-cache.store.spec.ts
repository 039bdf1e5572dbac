import { jest } from '@jest/globals';
import type { CacheConfig } from '../config/cache.config.js';
import { FailoverCacheStore } from './failover-cache.store.js';
import type { FillTicket, RedisCacheStore, RedisHealthListener } from './redis-cache.store.js';

/** Redis as FailoverCacheStore sees it: a map, one generation bumped by every invalidation, a health switch. */
class FakeRedis {
  configured = true;
  isHealthy = false;
  failing = false;
  failures = 0;
  lastError?: string = 'not connected yet';
  readonly values = new Map<string, { json: string; ttlMs: number }>();
  invalidated: string[][] = [];
  private generation = 0;
  private listener?: RedisHealthListener;

  start(listener: RedisHealthListener): Promise<void> {
    this.listener = listener;
    return Promise.resolve();
  }

  health(healthy: boolean): void {
    this.isHealthy = healthy;
    this.listener?.(healthy, healthy ? 'Redis answers' : 'connection closed');
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key)?.json);
  }

  fillTicket(): Promise<FillTicket | undefined> {
    return Promise.resolve(this.failing ? undefined : [String(this.generation), '']);
  }

  set(key: string, json: string, ttlMs: number, ticket?: FillTicket): Promise<boolean> {
    if (ticket && ticket[0] !== String(this.generation)) return Promise.resolve(false);
    this.values.set(key, { json, ttlMs });
    return Promise.resolve(true);
  }

  invalidate(patterns: readonly string[]): Promise<number> {
    if (this.failing) return Promise.reject(new Error('Redis is down'));
    this.generation++;
    this.invalidated.push([...patterns]);
    const deleted = patterns.filter((pattern) => this.values.delete(pattern)).length;
    return Promise.resolve(deleted);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FailoverCacheStore', () => {
  const config = {
    memoryMaxEntries: 100,
    degradedTtlMs: 5000,
    redis: { display: 'redis://cache:6379/0' },
  } as CacheConfig;
  let redis: FakeRedis;
  let store: FailoverCacheStore;

  const started = async (healthy: boolean) => {
    redis.isHealthy = healthy;
    await store.onModuleInit();
    await store.onApplicationBootstrap();
  };

  beforeEach(() => {
    redis = new FakeRedis();
    store = new FailoverCacheStore(redis as unknown as RedisCacheStore, config);
  });

  it('serves from memory without Redis, keeping each entry’s own TTL', async () => {
    redis.configured = false;
    await started(false);
    await store.set('ns:a', '"x"', 60_000);
    expect(store.activeStore).toBe('memory');
    expect(await store.get('ns:a')).toBe('"x"');
    expect(store.status()).toMatchObject({ store: 'memory', redisConfigured: false, degraded: false });
    expect(store.needsRecovery).toBe(false);
    await store.recover();
    expect(store.activeStore).toBe('memory');
  });

  it('switches to Redis at bootstrap once the recovery hook applied what is pending', async () => {
    const hookRuns: string[] = [];
    store.setRecoveryHook(async () => {
      hookRuns.push(store.activeStore);
      return true;
    });
    await started(true);
    expect(hookRuns).toEqual(['memory']);
    expect(store.status()).toMatchObject({ store: 'redis', redisHealthy: true, degraded: false, redisUrl: 'redis://cache:6379/0' });
    await store.set('ns:a', '"x"', 60_000);
    expect(redis.values.get('ns:a')).toEqual({ json: '"x"', ttlMs: 60_000 });
    expect(await store.get('ns:a')).toBe('"x"');
  });

  it('waits for bootstrap before the first switch to Redis', async () => {
    redis.isHealthy = true;
    await store.onModuleInit();
    redis.health(true);
    await settle();
    expect(store.activeStore).toBe('memory');
  });

  it('stays on memory while the recovery hook fails or Redis goes down meanwhile', async () => {
    store.setRecoveryHook(() => Promise.reject(new Error('database down')));
    await started(true);
    expect(store.activeStore).toBe('memory');
    store.setRecoveryHook(async () => {
      redis.isHealthy = false;
      return true;
    });
    await store.recover();
    expect(store.activeStore).toBe('memory');
    store.setRecoveryHook(async () => false);
    redis.isHealthy = true;
    await store.recover();
    expect(store.activeStore).toBe('memory');
  });

  it('falls back to memory when Redis goes down, with entries bounded by the degraded TTL', async () => {
    await started(true);
    const before = store.status().since;
    redis.health(false);
    expect(store.activeStore).toBe('memory');
    expect(store.fallbacks).toBe(1);
    expect(store.status()).toMatchObject({ store: 'memory', degraded: true, redisHealthy: false });
    expect(store.status().since.getTime()).toBeGreaterThanOrEqual(before.getTime());
    redis.health(false);
    expect(store.fallbacks).toBe(1);
    await store.set('ns:a', '"x"', 60_000);
    expect(redis.values.has('ns:a')).toBe(false);
    expect(await store.get('ns:a')).toBe('"x"');
    const fill = await store.beginFill('ns:b');
    expect(await store.completeFill('ns:b', '"y"', 1000, fill!)).toBe(true);
    expect(await store.get('ns:b')).toBe('"y"');
  });

  it('keeps memory entries within the degraded TTL while Redis is down, and their own TTL without Redis', async () => {
    const expiredAfter = async (ms: number) => {
      const clock = jest.spyOn(performance, 'now').mockReturnValue(performance.now() + ms);
      try {
        return (await store.get('ns:a')) === undefined;
      } finally {
        clock.mockRestore();
      }
    };
    await started(false);
    await store.set('ns:a', '"x"', 60_000);
    expect(await expiredAfter(config.degradedTtlMs - 1000)).toBe(false);
    expect(await expiredAfter(config.degradedTtlMs + 1)).toBe(true);
    redis.configured = false;
    await store.set('ns:a', '"x"', 60_000);
    expect(await expiredAfter(config.degradedTtlMs + 1)).toBe(false);
  });

  it('switches back when Redis answers again, emptying the memory store', async () => {
    await started(true);
    redis.health(false);
    await store.set('ns:a', '"x"', 60_000);
    redis.health(true);
    await settle();
    expect(store.activeStore).toBe('redis');
    expect(store.memory.size).toBe(0);
    expect(store.needsRecovery).toBe(false);
  });

  it('does not store a Redis fill that overlapped an invalidation', async () => {
    await started(true);
    const fill = await store.beginFill('ns:mentor:1');
    await store.invalidate(['ns:mentor:*']);
    expect(await store.completeFill('ns:mentor:1', '"old"', 60_000, fill!)).toBe(false);
    expect(redis.values.has('ns:mentor:1')).toBe(false);
    const fresh = await store.beginFill('ns:mentor:1');
    expect(await store.completeFill('ns:mentor:1', '"new"', 60_000, fresh!)).toBe(true);
    expect(redis.values.get('ns:mentor:1')?.json).toBe('"new"');
  });

  it('does not store a memory fill that overlapped an invalidation, nor one begun on the other store', async () => {
    await started(false);
    const fill = await store.beginFill('ns:a');
    store.invalidateMemory(['ns:*']);
    expect(await store.completeFill('ns:a', '"old"', 60_000, fill!)).toBe(false);
    expect(store.memory.size).toBe(0);
    const otherStore = { store: 'redis', ticket: ['0', ''] } as const;
    expect(await store.completeFill('ns:a', '"x"', 60_000, otherStore)).toBe(false);
  });

  it('begins no fill when Redis does not answer', async () => {
    await started(true);
    redis.failing = true;
    expect(await store.beginFill('ns:a')).toBeUndefined();
  });

  it('applies an invalidation to memory and Redis, and reports it unapplied while degraded or failing', async () => {
    await started(true);
    store.memory.set('ns:a', '1', 60_000);
    redis.values.set('ns:a', { json: '1', ttlMs: 60_000 });
    expect(await store.invalidate(['ns:a'])).toEqual({ deleted: 2, applied: true });
    redis.failing = true;
    store.memory.set('ns:b', '1', 60_000);
    expect(await store.invalidate(['ns:b'])).toEqual({ deleted: 1, applied: false });
    await expect(store.invalidateRedis(['ns:b'])).rejects.toThrow('Redis is down');
    redis.failing = false;
    redis.health(false);
    expect(await store.invalidate(['ns:c'])).toEqual({ deleted: 0, applied: false });
    expect(redis.invalidated).toEqual([['ns:a']]);
    expect(await store.invalidateRedis(['ns:c', 'ns:d'])).toBe(0);
    expect(redis.invalidated).toEqual([['ns:a'], ['ns:c', 'ns:d']]);
  });

  it('counts Redis errors and reports the last one', async () => {
    await started(false);
    redis.failures = 4;
    redis.lastError = 'Command timed out';
    expect(store.errors).toBe(4);
    expect(store.status().lastError).toBe('Command timed out');
  });
});
