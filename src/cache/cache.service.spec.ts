import { jest } from '@jest/globals';
import { RequestContext } from '../common/request-context/request-context.js';
import { InvalidCachePatternError } from './cache-key.js';
import { CacheService } from './cache.service.js';
import type { CacheConfig } from './config/cache.config.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';
import type { RedisCacheStore } from './stores/redis-cache.store.js';

const config = { namespace: 'ns:', memoryMaxEntries: 100 } as CacheConfig;
const noRedis = { configured: false, isHealthy: false, failures: 0 } as unknown as RedisCacheStore;

function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('CacheService (memory store)', () => {
  let store: FailoverCacheStore;
  let cache: CacheService;

  beforeEach(() => {
    store = new FailoverCacheStore(noRedis, config);
    cache = new CacheService(store, config);
  });

  it('stores values under the namespace and returns them as JSON', async () => {
    await cache.set('mentor:1', { at: new Date('2024-01-02T03:04:05Z') }, 60);
    expect(await store.get('ns:mentor:1')).toEqual({ at: '2024-01-02T03:04:05.000Z' });
    expect(await cache.get('mentor:1')).toEqual({ at: '2024-01-02T03:04:05.000Z' });
    expect(await cache.get('mentor:2')).toBeUndefined();
  });

  it('does not cache null or undefined', async () => {
    await cache.set('a', null, 60);
    await cache.set('b', undefined, 60);
    expect(store.memory.size).toBe(0);
    expect(cache.metrics().sets).toBe(0);
  });

  it('refuses invalid keys, patterns and TTLs', async () => {
    await expect(cache.get('bad key')).rejects.toThrow(InvalidCachePatternError);
    await expect(cache.set('bad key', 1, 60)).rejects.toThrow(InvalidCachePatternError);
    await expect(cache.delete('bad key')).rejects.toThrow(InvalidCachePatternError);
    await expect(cache.clear('bad pattern')).rejects.toThrow(InvalidCachePatternError);
    await expect(cache.wrap('bad key', async () => 1, 60)).rejects.toThrow(InvalidCachePatternError);
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(cache.set('a', 1, ttl)).rejects.toThrow(new RangeError(`cache TTL must be a positive number of seconds, got ${ttl}`));
    }
    expect(cache.metrics().invalidations).toBe(0);
  });

  it('turns a TTL in seconds into milliseconds, at least one', async () => {
    const set = jest.spyOn(store, 'set');
    await cache.set('a', 1, 1.5);
    await cache.set('b', 1, 0.0001);
    expect(set.mock.calls).toEqual([
      ['ns:a', 1, 1500],
      ['ns:b', 1, 1],
    ]);
  });

  it('deletes a key, and clears a pattern inside the namespace only', async () => {
    await cache.set('mentor:1', 1, 60);
    await cache.set('mentor:2', 1, 60);
    await cache.set('course:1', 1, 60);
    await store.set('other:mentor:1', 1, 60_000);
    await cache.delete('course:1');
    expect(await cache.get('course:1')).toBeUndefined();
    expect(await cache.invalidateCache('mentor:*')).toEqual({ pattern: 'mentor:*', deleted: 2, store: 'memory' });
    expect(await cache.clear('mentor:*')).toBe(0);
    expect(await store.get('other:mentor:1')).toBe(1);
    expect(cache.metrics().invalidations).toBe(3);
  });

  it('loads once for concurrent callers, caches the JSON form and returns it on a hit', async () => {
    const load = gate<{ at: Date }>();
    let loads = 0;
    const loader = () => {
      loads++;
      return load.promise;
    };
    const first = cache.wrap('k', loader, 60);
    const second = cache.wrap('k', loader, 60);
    await new Promise((resolve) => setImmediate(resolve));
    const third = cache.wrap('k', loader, 60);
    load.open({ at: new Date('2024-01-02T00:00:00Z') });
    const expected = { at: '2024-01-02T00:00:00.000Z' };
    expect(await Promise.all([first, second, third])).toEqual([expected, expected, expected]);
    expect(await cache.wrap('k', loader, 60)).toEqual(expected);
    expect(loads).toBe(1);
    expect(cache.metrics()).toMatchObject({ hits: 1, misses: 2, sets: 1, hit_rate_percent: 33.33 });
  });

  it('does not cache a null result or a failed load, and loads again next time', async () => {
    expect(await cache.wrap('k', async () => null, 60)).toBeNull();
    expect(await cache.wrap('u', async () => undefined, 60)).toBeUndefined();
    expect(cache.metrics()).toMatchObject({ sets: 0, memory_entries: 0 });
    await expect(cache.wrap('k', () => Promise.reject(new Error('db down')), 60)).rejects.toThrow('db down');
    expect(await cache.wrap('k', async () => 'v', 60)).toBe('v');
    expect(await cache.get('k')).toBe('v');
  });

  it('does not store a load that an invalidation overlapped: the next reader loads the new value', async () => {
    for (const invalidate of [() => cache.delete('mentor:1'), () => cache.clear('mentor:*')]) {
      const load = gate<string>();
      const stale = cache.wrap('mentor:1', () => load.promise, 60);
      await new Promise((resolve) => setImmediate(resolve));
      await invalidate();
      load.open('old');
      expect(await stale).toBe('old');
      expect(await cache.get('mentor:1')).toBeUndefined();
      expect(await cache.wrap('mentor:1', async () => 'new', 60)).toBe('new');
      expect(await cache.get('mentor:1')).toBe('new');
      await cache.delete('mentor:1');
    }
  });

  it('keys a cached call by prefix, arguments and user, and does not cache outside a request', async () => {
    let loads = 0;
    const load = async () => ++loads;
    const options = { ttl: 60, keyPrefix: 'me' };
    expect(await RequestContext.run({ user: { id: 7 } }, () => cache.cachedCall(options, [1], load))).toBe(1);
    expect(await RequestContext.run({ user: { id: 7 } }, () => cache.cachedCall(options, [1], load))).toBe(1);
    expect(await RequestContext.run({ user: { id: 8 } }, () => cache.cachedCall(options, [1], load))).toBe(2);
    expect(await RequestContext.run({}, () => cache.cachedCall({ ...options, skipAuth: true }, [1], load))).toBe(3);
    expect(await cache.cachedCall(options, [1], load)).toBe(4);
    expect(await cache.cachedCall(options, [1], load)).toBe(5);
    expect(await store.get('ns:me:1:@u7')).toBe(1);
    expect(await store.get('ns:me:1:@all')).toBe(3);
    expect(() => cache.cachedCall({ ttl: 0, keyPrefix: 'me' }, [], load)).toThrow(RangeError);
  });

  it('reports its counters and the store state', async () => {
    expect(cache.metrics().hit_rate_percent).toBe(0);
    await cache.set('a', 1, 60);
    await cache.get('a');
    await cache.get('a');
    await cache.get('b');
    expect(cache.status()).toMatchObject({ store: 'memory', redisConfigured: false, degraded: false });
    expect(cache.metrics()).toEqual({
      store: 'memory',
      redis_configured: false,
      redis_healthy: false,
      degraded: false,
      since: cache.status().since.toISOString(),
      hits: 2,
      misses: 1,
      hit_rate_percent: 66.67,
      sets: 1,
      invalidations: 0,
      errors: 0,
      fallbacks: 0,
      memory_entries: 1,
      last_error: null,
    });
  });
});
