import type { Registry } from 'prom-client';
import request from 'supertest';
import { CacheService } from '../src/cache/cache.service.js';
import { MetricsSectionsRegistry } from '../src/metrics/metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from '../src/metrics/metrics.constants.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { randomNamespace, RedisServerProcess, waitFor } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Real outages on a private redis-server: absent at start, shut down mid-run (it saves its data,
 * so the old entries come back with it) and frozen with SIGSTOP (the connection stays open but
 * nothing answers). "Fast" bounds are generous: ioredis' defaults would wait 10 s and more.
 */
describe('cache failover when Redis is down', () => {
  const FAST_MS = 1000;
  const namespace = randomNamespace();
  let server: RedisServerProcess;
  let t: TestApp;
  let cache: CacheService;
  let logger: CapturingLogger;
  let adminToken: string;

  const timedGet = async (path: string) => {
    const started = performance.now();
    const response = await request(t.http).get(path).expect(200);
    return { body: response.body as { name: string }, ms: performance.now() - started };
  };
  const rename = async (id: number, name: string) => {
    const started = performance.now();
    await request(t.http).patch(`/api/v1/mentors/${id}`).set('authorization', `Bearer ${adminToken}`).send({ name }).expect(200);
    return performance.now() - started;
  };
  const cacheLines = () => logger.lines.filter((line) => line.includes('Cache'));

  beforeAll(async () => {
    server = await RedisServerProcess.create();
    logger = new CapturingLogger();
    t = await createTestApp({ engine: 'sqlite', env: { REDIS_URL: server.url, CACHE_NAMESPACE: namespace }, logger });
    cache = t.app.get(CacheService);
    adminToken = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
    await server.destroy();
  });

  it('starts on the in-memory store when Redis is unreachable, and serves fast', async () => {
    expect(cache.status()).toMatchObject({ store: 'memory', redisConfigured: true, redisHealthy: false, degraded: true });
    expect(cacheLines().join('\n')).toMatch(/Cache cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0 .*using the in-memory store/);
    const first = await timedGet('/api/v1/mentors/5');
    const second = await timedGet('/api/v1/mentors/5');
    expect(second.body).toEqual(first.body);
    expect(Math.max(first.ms, second.ms)).toBeLessThan(FAST_MS);
    expect(cache.metrics()).toMatchObject({ store: 'memory', hits: expect.any(Number), memory_entries: expect.any(Number) });
    expect(cache.metrics().hits).toBeGreaterThanOrEqual(1);
  });

  it('switches to Redis once it starts answering, emptying the in-memory store', async () => {
    await server.start();
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch to Redis');
    expect(cacheLines().at(-1)).toMatch(/Cache switched back to Redis/);
    expect(cache.metrics().memory_entries).toBe(0);
  });

  it('switches to memory within a second when Redis shuts down, fails no request, and serves no stale data once it is back', async () => {
    const before = (await timedGet('/api/v1/mentors/5')).body;
    const raw = server.client();
    await raw.connect();
    expect(await raw.exists(`${namespace}mentor:5:@all`)).toBe(1);
    raw.disconnect();
    const linesBefore = cacheLines().length;

    await server.shutdown();
    await waitFor(() => cache.status().store === 'memory', 1000, 'the switch to memory');
    expect(cacheLines().slice(linesBefore).join('\n')).toMatch(/Cache switched to the in-memory store: Redis at .* failed/);

    const during = await Promise.all(Array.from({ length: 10 }, () => timedGet('/api/v1/mentors/5')));
    expect(during.every(({ body }) => body.name === before.name)).toBe(true);
    expect(Math.max(...during.map(({ ms }) => ms))).toBeLessThan(FAST_MS);
    expect(await rename(5, 'Renamed during the outage')).toBeLessThan(FAST_MS);
    expect((await timedGet('/api/v1/mentors/5')).body.name).toBe('Renamed during the outage');
    // What the MentorHubCacheFallbackActive alert and the Grafana panels read.
    const duringOutage = await t.app.get<Registry>(PROMETHEUS_REGISTRY).metrics();
    expect(duringOutage).toMatch(/^mentorhub_cache_degraded 1$/m);
    expect(duringOutage).toMatch(/^mentorhub_cache_active_store\{store="memory"\} 1$/m);

    // The restarted server loads its saved data, including the entry cached before the rename.
    await server.start();
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch back to Redis');
    expect(cacheLines().at(-1)).toMatch(/Cache switched back to Redis .*applied the pending invalidations/);
    expect((await timedGet('/api/v1/mentors/5')).body.name).toBe('Renamed during the outage');
  });

  it('switches to memory when Redis stalls (SIGSTOP), stays fast, and comes back when it answers again', async () => {
    const linesBefore = cacheLines().length;
    await timedGet('/api/v1/mentors/6');
    server.freeze();
    try {
      const stalled = await timedGet('/api/v1/mentors/6');
      expect(stalled.ms).toBeLessThan(FAST_MS);
      // Several probes in a row must go unanswered: a single slow answer is no outage.
      await waitFor(() => cache.status().store === 'memory', 10_000, 'the switch to memory');
      expect(await rename(6, 'Renamed while Redis stalled')).toBeLessThan(FAST_MS);
      expect((await timedGet('/api/v1/mentors/6')).body.name).toBe('Renamed while Redis stalled');
    } finally {
      server.thaw();
    }
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch back to Redis');
    expect((await timedGet('/api/v1/mentors/6')).body.name).toBe('Renamed while Redis stalled');
    expect(cacheLines().slice(linesBefore).join('\n')).toMatch(/switched to the in-memory store[\s\S]*switched back to Redis/);
  });

  it('reports the outages in the admin metrics section and in Prometheus', async () => {
    const section = t.app.get(MetricsSectionsRegistry).snapshot().cache as Record<string, unknown>;
    expect(section).toMatchObject({ store: 'redis', redis_configured: true, redis_healthy: true, degraded: false });
    expect(section.fallbacks).toBe(2);
    expect(section.errors).toEqual(expect.any(Number));
    expect(section.invalidations).toBeGreaterThanOrEqual(2);
    const exposition = await t.app.get<Registry>(PROMETHEUS_REGISTRY).metrics();
    expect(exposition).toMatch(/^mentorhub_cache_fallbacks_total 2$/m);
    expect(exposition).toMatch(/^mentorhub_cache_active_store\{store="redis"\} 1$/m);
    expect(exposition).toMatch(/^mentorhub_cache_degraded 0$/m);
    expect(exposition).toMatch(/^mentorhub_cache_hits_total \d+$/m);
  });
});
