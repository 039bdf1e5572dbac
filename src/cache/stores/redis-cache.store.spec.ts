import { Redis } from 'ioredis';
import { SHARED_REDIS_URL } from '../../../test/support/redis-server.js';
import { parseRedisUrl, type CacheConfig } from '../config/cache.config.js';
import { RedisCacheStore } from './redis-cache.store.js';

/** The fill guard on the shared Redis, in a namespace of its own. */
describe('RedisCacheStore fills', () => {
  const namespace = `mentorhub-unit-${process.pid}-${Math.random().toString(36).slice(2, 8)}:`;
  const config = { namespace, probeFailures: 3, probeIntervalMs: 500, probeTimeoutMs: 1000 } as CacheConfig;
  const { host, port, db } = parseRedisUrl(SHARED_REDIS_URL);
  let client: Redis;
  let store: RedisCacheStore;
  const key = (relative: string) => namespace + relative;

  beforeAll(() => {
    client = new Redis({ host, port, db, maxRetriesPerRequest: 0 });
  });
  // A store per test: the generations it reads and bumps are then tied to each test's own run.
  beforeEach(() => {
    store = new RedisCacheStore(client, config);
  });
  afterAll(async () => {
    const keys = await client.keys(`${namespace}*`);
    if (keys.length) await client.unlink(...keys);
    await client.quit();
  });

  it('stores a fill whose key nobody invalidated, as one JSON string with one expiry', async () => {
    const ticket = await store.fillTicket(key('mentor:1:@all'));
    expect(await store.set(key('mentor:1:@all'), '{"name":"A"}', 60_000, ticket)).toBe(true);
    expect(await client.get(key('mentor:1:@all'))).toBe('{"name":"A"}');
    expect(await client.pttl(key('mentor:1:@all'))).toBeGreaterThan(59_000);
  });

  it('does not store a fill that started before an invalidation of its key', async () => {
    const ticket = await store.fillTicket(key('mentor:2:@all'));
    await store.invalidate([key('mentor:2:*')]);
    expect(await store.set(key('mentor:2:@all'), '{"name":"old"}', 60_000, ticket)).toBe(false);
    expect(await client.exists(key('mentor:2:@all'))).toBe(0);
  });

  it('does not store a fill that started before a namespace-wide clear', async () => {
    const ticket = await store.fillTicket(key('course:3:@all'));
    await store.invalidate([key('*')]);
    expect(await store.set(key('course:3:@all'), '{}', 60_000, ticket)).toBe(false);
  });

  it('does not store a fill of a key without segments that started before its invalidation', async () => {
    const ticket = await store.fillTicket(key('settings'));
    await store.invalidate([key('settings')]);
    expect(await store.set(key('settings'), '{}', 60_000, ticket)).toBe(false);
  });

  it('still stores a fill when only another kind of entry was invalidated', async () => {
    const ticket = await store.fillTicket(key('course:4:@all'));
    await store.invalidate([key('mentor:4:*')]);
    expect(await store.set(key('course:4:@all'), '{}', 60_000, ticket)).toBe(true);
  });

  it('deletes an exact key without touching its neighbours', async () => {
    await client.set(key('user-me:1:@u1'), '1');
    await client.set(key('user-me:1:@u10'), '1');
    expect(await store.invalidate([key('user-me:1:@u1')])).toBe(1);
    expect(await client.exists(key('user-me:1:@u1'), key('user-me:1:@u10'))).toBe(1);
  });

  it('clears every key a glob matches, over several SCAN steps, and only those', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => key(`list:${i}`));
    await client.mset(...keys.flatMap((k) => [k, '1']));
    await client.set(key('lister:1'), '1');
    await client.set(key('list'), '1');
    expect(await store.invalidate([key('list:*')])).toBe(2500);
    expect(await client.exists(key('lister:1'), key('list'), keys[0], keys[2499])).toBe(2);
    expect(await store.invalidate([key('nothing:*')])).toBe(0);
  });

  it('keeps the generations through a clear of everything', async () => {
    await store.invalidate([key('reviews:5:*')]);
    await store.invalidate([key('*')]);
    await store.invalidate([key('~gen:reviews')]);
    expect(await client.exists(key('~gen'), key('~gen:reviews'))).toBe(2);
  });
});
