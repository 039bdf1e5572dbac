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
 * nothing answers). "Never stalls" is asserted on what the code controls, not on a clock: while
 * the memory store serves, no command goes to Redis (the failed-command counter stays still); a
 * frozen Redis costs a read one command timeout and it is answered from the database while Redis
 * is still frozen (with ioredis' defaults it would wait until the thaw: the test would time out).
 */
describe('cache failover when Redis is down', () => {
  const namespace = randomNamespace();
  let server: RedisServerProcess;
  let t: TestApp;
  let cache: CacheService;
  let logger: CapturingLogger;
  let adminToken: string;

  const get = async (path: string) => (await request(t.http).get(path).expect(200)).body as { name: string };
  const rename = async (id: number, name: string) => {
    await request(t.http).patch(`/api/v1/mentors/${id}`).set('authorization', `Bearer ${adminToken}`).send({ name }).expect(200);
  };
  /** Redis commands that failed or timed out since start. */
  const failedCommands = () => cache.metrics().errors;
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

  it('starts on the in-memory store when Redis is unreachable, and sends Redis no command', async () => {
    expect(cache.status()).toMatchObject({ store: 'memory', redisConfigured: true, redisHealthy: false, degraded: true });
    expect(cacheLines().join('\n')).toMatch(/Cache cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0 .*using the in-memory store/);
    const failedBefore = failedCommands();
    const hitsBefore = cache.metrics().hits;
    const first = await get('/api/v1/mentors/5');
    expect(await get('/api/v1/mentors/5')).toEqual(first);
    expect(failedCommands()).toBe(failedBefore);
    expect(cache.metrics()).toMatchObject({ store: 'memory', hits: hitsBefore + 1, memory_entries: expect.any(Number) });
  });

  it('switches to Redis once it starts answering, emptying the in-memory store', async () => {
    await server.start();
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch to Redis');
    expect(cacheLines().at(-1)).toMatch(/Cache switched back to Redis/);
    expect(cache.metrics().memory_entries).toBe(0);
  });

  it('switches to memory on the lost connection when Redis shuts down, fails no request, and serves no stale data once it is back', async () => {
    const before = await get('/api/v1/mentors/5');
    const raw = server.client();
    await raw.connect();
    expect(await raw.exists(`${namespace}mentor:5:@all`)).toBe(1);
    raw.disconnect();
    const linesBefore = cacheLines().length;

    await server.shutdown();
    await waitFor(() => cache.status().store === 'memory', 10_000, 'the switch to memory');
    // The closed connection switches at once; health probes would need several failures in a row.
    expect(cacheLines().slice(linesBefore).join('\n')).toMatch(
      /Cache switched to the in-memory store: Redis at .* failed \(connection closed\)/,
    );

    const failedBefore = failedCommands();
    const during = await Promise.all(Array.from({ length: 10 }, () => get('/api/v1/mentors/5')));
    expect(during.every(({ name }) => name === before.name)).toBe(true);
    await rename(5, 'Renamed during the outage');
    expect((await get('/api/v1/mentors/5')).name).toBe('Renamed during the outage');
    expect(failedCommands()).toBe(failedBefore);
    // What the MentorHubCacheFallbackActive alert and the Grafana panels read.
    const duringOutage = await t.app.get<Registry>(PROMETHEUS_REGISTRY).metrics();
    expect(duringOutage).toMatch(/^mentorhub_cache_degraded 1$/m);
    expect(duringOutage).toMatch(/^mentorhub_cache_active_store\{store="memory"\} 1$/m);

    // The restarted server loads its saved data, including the entry cached before the rename.
    await server.start();
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch back to Redis');
    expect(cacheLines().at(-1)).toMatch(/Cache switched back to Redis .*applied the pending invalidations/);
    expect((await get('/api/v1/mentors/5')).name).toBe('Renamed during the outage');
  });

  it('answers from the database while Redis stalls (SIGSTOP), switches to memory, and comes back when it answers again', async () => {
    const linesBefore = cacheLines().length;
    const cached = await get('/api/v1/mentors/6');
    server.freeze();
    try {
      const failedBefore = failedCommands();
      // Answered while Redis is still frozen: its read timed out and the database answered.
      expect(await get('/api/v1/mentors/6')).toEqual(cached);
      expect(failedCommands()).toBeGreaterThan(failedBefore);
      // Several probes in a row must go unanswered: a single slow answer is no outage.
      await waitFor(() => cache.status().store === 'memory', 10_000, 'the switch to memory');
      const failedInMemory = failedCommands();
      await rename(6, 'Renamed while Redis stalled');
      expect((await get('/api/v1/mentors/6')).name).toBe('Renamed while Redis stalled');
      expect(failedCommands()).toBe(failedInMemory);
    } finally {
      server.thaw();
    }
    await waitFor(() => cache.status().store === 'redis', 10_000, 'the switch back to Redis');
    expect((await get('/api/v1/mentors/6')).name).toBe('Renamed while Redis stalled');
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
