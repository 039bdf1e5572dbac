import { RequestContext } from '../common/request-context/request-context.js';
import { InvalidCachePatternError } from './cache-key.js';
import { CacheService } from './cache.service.js';
import type { CacheConfig } from './config/cache.config.js';
import { CacheInvalidationOutbox } from './invalidation/cache-invalidation.outbox.js';
import { FailoverCacheStore } from './stores/failover-cache.store.js';
import { RedisCacheStore } from './stores/redis-cache.store.js';

/** CacheService on its real stores without REDIS_URL and without a database: memory only, invalidations applied at once. */
describe('CacheService', () => {
  const config = { namespace: 'ns:', memoryMaxEntries: 100, degradedTtlMs: 5000, outboxPollMs: 1000 } as CacheConfig;
  let store: FailoverCacheStore;
  let cache: CacheService;

  const asUser = <T>(userId: number, callback: () => T): T => RequestContext.run({ user: { id: userId } }, callback);

  beforeEach(() => {
    store = new FailoverCacheStore(new RedisCacheStore(null, config), config);
    cache = new CacheService(store, new CacheInvalidationOutbox(store, config), config);
  });

  it('stores values as JSON under the namespace, and skips null and undefined', async () => {
    await cache.set('mentor:1', { name: 'A', at: new Date(0) }, 60);
    expect(store.memory.get('ns:mentor:1')).toBe('{"name":"A","at":"1970-01-01T00:00:00.000Z"}');
    expect(await cache.get('mentor:1')).toEqual({ name: 'A', at: '1970-01-01T00:00:00.000Z' });
    await cache.set('mentor:2', null, 60);
    await cache.set('mentor:3', undefined, 60);
    expect(store.memory.size).toBe(1);
    expect(await cache.get('mentor:2')).toBeUndefined();
  });

  it('rejects invalid keys and TTLs', async () => {
    await expect(cache.get('a b')).rejects.toBeInstanceOf(InvalidCachePatternError);
    await expect(cache.set('a*', 1, 60)).rejects.toBeInstanceOf(InvalidCachePatternError);
    await expect(cache.delete('a?')).rejects.toBeInstanceOf(InvalidCachePatternError);
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(cache.set('a', 1, ttl)).rejects.toThrow(`cache TTL must be a positive number of seconds, got ${ttl}`);
    }
    await expect(cache.wrap('a', async () => 1, 0)).rejects.toThrow(RangeError);
    await expect(cache.invalidateCache('a b')).rejects.toBeInstanceOf(InvalidCachePatternError);
    expect(() => cache.evictAfter(['a b'], async () => 1)).toThrow(InvalidCachePatternError);
    expect(store.memory.size).toBe(0);
  });

  it('deletes a key and clears a pattern inside the namespace only', async () => {
    await cache.set('mentor:1', 1, 60);
    await cache.set('mentor:2', 2, 60);
    await cache.set('course:1', 3, 60);
    store.memory.set('other:mentor:9', '9', 60_000);
    await cache.delete('mentor:1');
    expect(await cache.get('mentor:1')).toBeUndefined();
    expect(await cache.invalidateCache('mentor:*')).toEqual({ pattern: 'mentor:*', deleted: 1, store: 'memory' });
    expect(await cache.clear('*')).toBe(1);
    expect(store.memory.get('other:mentor:9')).toBe('9');
  });

  it('loads once for concurrent callers, caches the JSON form and returns it', async () => {
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setImmediate(resolve));
      return { at: new Date(0) };
    };
    const results = await Promise.all([cache.wrap('k', load, 60), cache.wrap('k', load, 60), cache.wrap('k', load, 60)]);
    expect(loads).toBe(1);
    expect(results).toEqual([{ at: '1970-01-01T00:00:00.000Z' }, { at: '1970-01-01T00:00:00.000Z' }, { at: '1970-01-01T00:00:00.000Z' }]);
    expect(await cache.wrap('k', load, 60)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(loads).toBe(1);
  });

  it('does not cache a null result or a failing load, and loads again next time', async () => {
    expect(await cache.wrap('k', async () => null, 60)).toBeNull();
    await expect(cache.wrap('k', () => Promise.reject(new Error('db down')), 60)).rejects.toThrow('db down');
    expect(store.memory.size).toBe(0);
    expect(await cache.wrap('k', async () => 2, 60)).toBe(2);
    expect(store.memory.get('ns:k')).toBe('2');
  });

  it('keeps a load that overlapped an invalidation of its key out of the cache', async () => {
    let release: () => void = () => undefined;
    const loading = cache.wrap('mentor:1', () => new Promise<string>((resolve) => (release = () => resolve('old'))), 60);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.delete('mentor:1');
    release();
    expect(await loading).toBe('old');
    expect(await cache.get('mentor:1')).toBeUndefined();
  });

  it('keys @Cached() calls by prefix, arguments and user, and does not cache outside a request', async () => {
    let loads = 0;
    const load = async () => ++loads;
    const options = { ttl: 60, keyPrefix: 'user-me' };
    expect(await asUser(1, () => cache.cachedCall(options, [7], load))).toBe(1);
    expect(await asUser(1, () => cache.cachedCall(options, [7], load))).toBe(1);
    expect(await asUser(2, () => cache.cachedCall(options, [7], load))).toBe(2);
    expect(await cache.cachedCall({ ...options, skipAuth: true }, [7], load)).toBe(3);
    expect(await cache.cachedCall({ ...options, skipAuth: true }, [7], load)).toBe(3);
    expect(await cache.cachedCall(options, [7], load)).toBe(4);
    expect(await cache.cachedCall(options, [7], load)).toBe(5);
    expect(store.memory.size).toBe(3);
    expect(() => cache.cachedCall({ ...options, ttl: 0 }, [7], load)).toThrow(RangeError);
  });

  it('invalidates after a successful write only', async () => {
    await cache.set('mentor:1', 1, 60);
    await expect(cache.evictAfter(['mentor:*'], () => Promise.reject(new Error('write failed')))).rejects.toThrow('write failed');
    expect(await cache.get('mentor:1')).toBe(1);
    expect(await cache.evictAfter(['mentor:*', 'course:*'], async () => 'ok')).toBe('ok');
    expect(await cache.get('mentor:1')).toBeUndefined();
    expect(cache.metrics().invalidations).toBe(2);
  });

  it('reports hits, misses, sets, invalidations and the store', async () => {
    expect(cache.metrics().hit_rate_percent).toBe(0);
    await cache.set('a', 1, 60);
    await cache.get('a');
    await cache.get('a');
    await cache.get('b');
    await cache.wrap('c', async () => 3, 60);
    await cache.delete('a');
    expect(cache.metrics()).toEqual({
      store: 'memory',
      redis_configured: false,
      redis_healthy: false,
      degraded: false,
      since: store.status().since.toISOString(),
      hits: 2,
      misses: 2,
      hit_rate_percent: 50,
      sets: 2,
      invalidations: 1,
      errors: 0,
      fallbacks: 0,
      memory_entries: 1,
      pending_invalidations: 0,
      oldest_pending_invalidation_seconds: 0,
      last_error: null,
    });
    expect(cache.status()).toEqual(store.status());
    expect(cache.pendingInvalidations()).toEqual({ count: 0, oldestAgeSeconds: 0 });
  });

  it('rounds the hit rate to two decimals', async () => {
    await cache.set('a', 1, 60);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    expect(cache.metrics().hit_rate_percent).toBe(33.33);
  });
});
