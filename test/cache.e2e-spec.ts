import { Controller, Get, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { Authenticated } from '../src/common/access/access.decorators.js';
import { cachePattern } from '../src/cache/cache-key.js';
import { CacheEvict, Cached } from '../src/cache/decorators/cache.decorators.js';
import { CacheService } from '../src/cache/cache.service.js';
import { RequestContext } from '../src/common/request-context/request-context.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { randomNamespace, SHARED_REDIS_URL } from './support/redis-server.js';

/** A provider with decorated methods that count how often their bodies run. */
@Injectable()
class CacheProbe {
  readonly calls: Record<string, number> = {};

  private count(name: string): number {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    return this.calls[name];
  }

  @Cached({ ttl: 60, keyPrefix: 'probe-mentor', skipAuth: true })
  async mentor(id: number): Promise<{ id: number; call: number; at: Date }> {
    const call = this.count(`mentor:${id}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { id, call, at: new Date('2024-01-15T10:30:00.000Z') };
  }

  @CacheEvict((id: number) => [cachePattern('probe-mentor', id)])
  async updateMentor(id: number, fail: boolean): Promise<void> {
    if (fail) throw new Error(`update of ${id} failed`);
  }

  /** Reads the user from the request context only, so isolation comes from the key's scope. */
  @Cached({ ttl: 60, keyPrefix: 'probe-feed' })
  async feed(): Promise<{ user: number | string | undefined; call: number }> {
    return { user: RequestContext.currentUserId(), call: this.count('feed') };
  }

  @Cached({ ttl: 60, keyPrefix: 'probe-shared', skipAuth: true })
  async shared(): Promise<{ call: number }> {
    return { call: this.count('shared') };
  }

  @Cached({ ttl: 60, keyPrefix: 'probe-flaky', skipAuth: true })
  async flaky(fail: boolean): Promise<{ call: number }> {
    const call = this.count(`flaky:${fail}`);
    if (fail) throw new Error('loader failed');
    return { call };
  }
}

@Controller('test-cache')
class CacheProbeController {
  constructor(private readonly probe: CacheProbe) {}

  @Get('feed')
  @Authenticated()
  feed(): Promise<unknown> {
    return this.probe.feed();
  }

  @Get('anonymous-feed')
  anonymousFeed(): Promise<unknown> {
    return this.probe.feed();
  }

  @Get('shared')
  @Authenticated()
  shared(): Promise<unknown> {
    return this.probe.shared();
  }
}

describe('CacheModule on Redis', () => {
  const namespace = randomNamespace();
  const foreignKey = `foreign-${namespace}mentor:42:@all`;
  let t: TestApp;
  let cache: CacheService;
  let probe: CacheProbe;
  let redis: Redis;

  const keysInNamespace = async (): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.map((key) => key.slice(namespace.length)).sort();
  };

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS_URL);
    t = await createTestApp({
      engine: 'sqlite',
      env: { REDIS_URL: SHARED_REDIS_URL, CACHE_NAMESPACE: namespace },
      providers: [CacheProbe],
      controllers: [CacheProbeController],
    });
    cache = t.app.get(CacheService);
    probe = t.app.get(CacheProbe);
  });
  afterAll(async () => {
    await t.close();
    const leftovers = await keysInNamespace();
    if (leftovers.length) await redis.unlink(...leftovers.map((key) => namespace + key));
    await redis.del(foreignKey);
    await redis.quit();
  });

  it('uses Redis and reports it', () => {
    expect(cache.status()).toMatchObject({ store: 'redis', redisConfigured: true, redisHealthy: true, degraded: false });
  });

  describe('CacheService', () => {
    it('gets, sets and deletes under the namespace, with TTLs in seconds', async () => {
      await cache.set('plain:1', { name: 'Ada' }, 30);
      expect(await cache.get('plain:1')).toEqual({ name: 'Ada' });
      const ttlMs = await redis.pttl(`${namespace}plain:1`);
      expect(ttlMs).toBeGreaterThan(25_000);
      expect(ttlMs).toBeLessThanOrEqual(30_000);
      await cache.delete('plain:1');
      expect(await cache.get('plain:1')).toBeUndefined();
      expect(await redis.exists(`${namespace}plain:1`)).toBe(0);
    });

    it('lets entries expire after their TTL', async () => {
      await cache.set('short:1', 'soon gone', 0.3);
      expect(await cache.get('short:1')).toBe('soon gone');
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await cache.get('short:1')).toBeUndefined();
    });

    it('returns Dates as ISO strings, the way the API serialises them', async () => {
      await cache.set('dated:1', { at: new Date('2024-01-15T10:30:00.000Z') }, 30);
      expect(await cache.get('dated:1')).toEqual({ at: '2024-01-15T10:30:00.000Z' });
    });

    it('clears exactly the keys matching a pattern, never keys outside the namespace', async () => {
      await redis.set(foreignKey, 'not ours', 'EX', 60);
      for (const id of [42, 142, 420]) await cache.set(`mentor:${id}:@all`, { id }, 60);
      await cache.set('mentors:#page1:@all', [1], 60);

      expect(await cache.clear('mentor:42:*')).toBe(1);
      expect(await keysInNamespace()).toEqual(expect.arrayContaining(['mentor:142:@all', 'mentor:420:@all', 'mentors:#page1:@all']));
      expect(await keysInNamespace()).not.toContain('mentor:42:@all');

      expect(await cache.clear('*')).toBeGreaterThanOrEqual(3);
      // Only the invalidation generations stay: they must outlive every clear.
      expect((await keysInNamespace()).filter((key) => !key.startsWith('~gen'))).toEqual([]);
      expect(await redis.get(foreignKey)).toBe('not ours');
    });

    it('refuses invalid keys, patterns and TTLs', async () => {
      await expect(cache.clear('a[b]')).rejects.toThrow(/pattern may only contain/);
      await expect(cache.get('a*')).rejects.toThrow(/cache key/);
      await expect(cache.set('a', 1, 0)).rejects.toThrow(RangeError);
    });
  });

  describe('@Cached and @CacheEvict', () => {
    it('runs the method once for repeated calls, with the same (JSON) result on miss and hit', async () => {
      const first = await probe.mentor(1);
      const again = await probe.mentor(1);
      expect(probe.calls['mentor:1']).toBe(1);
      expect(first).toEqual({ id: 1, call: 1, at: '2024-01-15T10:30:00.000Z' });
      expect(again).toEqual(first);
      expect(await keysInNamespace()).toContain('probe-mentor:1:@all');
    });

    it('runs the method once for 50 concurrent calls', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => probe.mentor(2)));
      expect(probe.calls['mentor:2']).toBe(1);
      expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    });

    it('keeps each user their own entries, and anonymous callers theirs', async () => {
      const student = await t.tokenFor('student');
      const mentor = await t.tokenFor('mentor');
      const asStudent = (await request(t.http).get('/api/v1/test-cache/feed').set('authorization', `Bearer ${student}`).expect(200)).body;
      const asStudentAgain = (await request(t.http).get('/api/v1/test-cache/feed').set('authorization', `Bearer ${student}`).expect(200))
        .body;
      const asMentor = (await request(t.http).get('/api/v1/test-cache/feed').set('authorization', `Bearer ${mentor}`).expect(200)).body;
      const anonymous = (await request(t.http).get('/api/v1/test-cache/anonymous-feed').expect(200)).body;
      expect(asStudentAgain).toEqual(asStudent);
      expect(asMentor.user).not.toBe(asStudent.user);
      expect(typeof asMentor.user).toBe('number');
      expect(anonymous.user).toBe('anonymous');
      expect(probe.calls.feed).toBe(3);
      expect((await keysInNamespace()).filter((key) => key.startsWith('probe-feed:'))).toEqual([
        'probe-feed:@anon',
        `probe-feed:@u${asMentor.user}`,
        `probe-feed:@u${asStudent.user}`,
      ]);
    });

    it('does not cache per-user methods outside a request, where no user is known', async () => {
      const before = probe.calls.feed ?? 0;
      await probe.feed();
      await probe.feed();
      expect(probe.calls.feed).toBe(before + 2);
    });

    it('shares skipAuth entries between users', async () => {
      for (const role of ['student', 'mentor'] as const) {
        const token = await t.tokenFor(role);
        const { body } = await request(t.http).get('/api/v1/test-cache/shared').set('authorization', `Bearer ${token}`).expect(200);
        expect(body).toEqual({ call: 1 });
      }
      expect(probe.calls.shared).toBe(1);
    });

    it('does not cache exceptions', async () => {
      await expect(probe.flaky(true)).rejects.toThrow('loader failed');
      await expect(probe.flaky(true)).rejects.toThrow('loader failed');
      expect(probe.calls['flaky:true']).toBe(2);
      expect(await probe.flaky(false)).toEqual({ call: 1 });
      expect(await probe.flaky(false)).toEqual({ call: 1 });
    });

    it('invalidates mentor 42 on its update, leaving 142 and 420 cached; nothing when the update throws', async () => {
      for (const id of [42, 142, 420]) await probe.mentor(id);
      await expect(probe.updateMentor(42, true)).rejects.toThrow('update of 42 failed');
      expect(await keysInNamespace()).toEqual(
        expect.arrayContaining(['probe-mentor:42:@all', 'probe-mentor:142:@all', 'probe-mentor:420:@all']),
      );

      await probe.updateMentor(42, false);
      const keys = await keysInNamespace();
      expect(keys).not.toContain('probe-mentor:42:@all');
      expect(keys).toEqual(expect.arrayContaining(['probe-mentor:142:@all', 'probe-mentor:420:@all']));
      for (const id of [42, 142, 420]) await probe.mentor(id);
      expect([probe.calls['mentor:42'], probe.calls['mentor:142'], probe.calls['mentor:420']]).toEqual([2, 1, 1]);
    });
  });

  describe('DELETE /api/v1/admin/cache', () => {
    it('clears a pattern for an admin and reports how many keys went', async () => {
      for (const id of [7, 77]) await cache.set(`manual:${id}:@all`, id, 60);
      const { body } = await request(t.http)
        .delete('/api/v1/admin/cache?pattern=manual:7:*')
        .set('authorization', `Bearer ${await t.adminToken()}`)
        .expect(200);
      expect(body).toEqual({ pattern: 'manual:7:*', deleted: 1, store: 'redis' });
      expect(await cache.get('manual:77:@all')).toBe(77);
    });

    it('answers 401 without a token and 403 for non-admins', async () => {
      await request(t.http).delete('/api/v1/admin/cache?pattern=*').expect(401);
      await request(t.http)
        .delete('/api/v1/admin/cache?pattern=*')
        .set('authorization', `Bearer ${await t.tokenFor('student')}`)
        .expect(403);
    });

    it.each([
      ['no pattern', '', /pattern must be longer than or equal to 1/],
      ['an empty pattern', '?pattern=', /pattern must be longer than or equal to 1/],
      ['a 201-character pattern', `?pattern=${'a'.repeat(201)}`, /pattern must be shorter than or equal to 200/],
      ['a character class', '?pattern=a%5Bb%5D', /pattern may only contain/],
      ['a space', '?pattern=a%20b', /pattern may only contain/],
    ])('answers 400 for %s', async (_label, query, message) => {
      const { body } = await request(t.http)
        .delete(`/api/v1/admin/cache${query}`)
        .set('authorization', `Bearer ${await t.adminToken()}`)
        .expect(400);
      expect(JSON.stringify(body.message)).toMatch(message);
    });
  });
});
