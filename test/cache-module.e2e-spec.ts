import { Controller, Get, Injectable, Param, ParseIntPipe, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { CACHE_TTL, REDIS_CLIENT } from '../src/cache/cache.constants.js';
import { CacheModule } from '../src/cache/cache.module.js';
import { CacheService } from '../src/cache/cache.service.js';
import { parseRedisUrl, type CacheConfig } from '../src/cache/config/cache.config.js';
import { Cached } from '../src/cache/decorators/cache.decorators.js';
import { createBareApp, ROLE_HEADER } from './support/bare-app.js';
import { eventually } from './support/eventually.js';
import { randomNamespace, SHARED_REDIS_URL } from './support/redis-server.js';

const namespace = randomNamespace();
const OPTIONS: CacheConfig = {
  redis: parseRedisUrl(SHARED_REDIS_URL),
  namespace,
  memoryMaxEntries: 100,
  commandTimeoutMs: 500,
  connectTimeoutMs: 1000,
  retryIntervalMs: 1000,
  probeIntervalMs: 500,
  probeTimeoutMs: 1000,
  probeFailures: 3,
  degradedTtlMs: 5000,
  outboxPollMs: 1000,
};

/** A provider of the host app whose reads the cache keeps. */
@Injectable()
class Catalogue {
  loads = 0;

  @Cached({ ttl: CACHE_TTL.course, keyPrefix: 'item', skipAuth: true })
  async item(id: number): Promise<{ id: number }> {
    this.loads++;
    return { id };
  }
}

@Controller('items')
class ItemsController {
  constructor(private readonly catalogue: Catalogue) {}

  @Get(':id')
  item(@Param('id', ParseIntPipe) id: number) {
    return this.catalogue.item(id);
  }
}

describe('CacheModule alone in a Nest app (no metrics, no health module)', () => {
  const redis = new Redis(SHARED_REDIS_URL);
  let app: INestApplication | undefined;
  let http: App;

  beforeAll(async () => {
    app = await createBareApp({ imports: [CacheModule.forRoot(OPTIONS)], controllers: [ItemsController], providers: [Catalogue] });
    http = app.getHttpServer() as App;
  });
  afterAll(async () => {
    await app?.close();
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length) await redis.unlink(...keys);
    await redis.quit();
  });

  it('runs on Redis', () => {
    expect(app!.get(CacheService).status()).toMatchObject({ store: 'redis', redisConfigured: true, redisHealthy: true });
  });

  it('caches the host provider’s @Cached() method in Redis, under its namespace', async () => {
    await request(http).get('/items/7').expect(200, { id: 7 });
    await request(http).get('/items/7').expect(200, { id: 7 });
    expect(app!.get(Catalogue).loads).toBe(1);
    expect(await redis.keys(`${namespace}item:7:*`)).toHaveLength(1);
  });

  it('clears a pattern for admins only (the host guard reads @AdminOnly), with a validated pattern', async () => {
    await request(http).delete('/admin/cache').query({ pattern: 'item:*' }).expect(401);
    await request(http).delete('/admin/cache').query({ pattern: 'item:*' }).set(ROLE_HEADER, 'student').expect(403);
    await request(http).delete('/admin/cache').query({ pattern: 'item *' }).set(ROLE_HEADER, 'admin').expect(400);
    const { body } = await request(http).delete('/admin/cache').query({ pattern: 'item:*' }).set(ROLE_HEADER, 'admin').expect(200);
    expect(body).toEqual({ pattern: 'item:*', deleted: 1, store: 'redis' });
    await request(http).get('/items/7').expect(200);
    expect(app!.get(Catalogue).loads).toBe(2);
  });

  it('shuts down cleanly: its Redis connection is closed', async () => {
    const client = app!.get<symbol, Redis>(REDIS_CLIENT);
    try {
      await app!.close();
      app = undefined;
      // QUIT is answered before the socket closes.
      await eventually(() => expect(client.status).toBe('end'));
    } finally {
      // Were the module to leak it, the connection would keep the test run from ending.
      client.disconnect();
    }
  });
});
