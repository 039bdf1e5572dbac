import { RedisServerProcess, freePort, waitFor } from '../../../test/support/redis-server.js';
import type { CacheConfig } from '../config/cache.config.js';
import { RedisCacheStore } from './redis-cache.store.js';
import { createRedisClient } from './redis-client.module.js';

/** What RedisCacheStore tells its listener, on a private redis-server shut down and frozen for real. */
describe('RedisCacheStore health', () => {
  let server: RedisServerProcess;
  let store: RedisCacheStore | undefined;
  let verdicts: string[];

  const configFor = (port: number) =>
    ({
      namespace: 'ns:',
      redis: { host: '127.0.0.1', port, db: 0, tls: false, display: `redis://127.0.0.1:${port}/0` },
      commandTimeoutMs: 250,
      connectTimeoutMs: 1000,
      retryIntervalMs: 50,
      probeIntervalMs: 50,
      probeTimeoutMs: 200,
      probeFailures: 2,
    }) as CacheConfig;

  const started = async (config: CacheConfig) => {
    const subject = new RedisCacheStore(createRedisClient(config), config);
    store = subject;
    await subject.start((healthy, reason) => verdicts.push(`${healthy ? 'up' : 'down'}: ${reason}`));
    return subject;
  };

  beforeAll(async () => {
    server = await RedisServerProcess.create();
    await server.start();
  });
  beforeEach(() => (verdicts = []));
  afterEach(async () => {
    server.thaw();
    await store?.onModuleDestroy();
    store = undefined;
  });
  afterAll(() => server.destroy());

  it('is up once connected, down when the connection closes and up again after a restart', async () => {
    // Probes that a busy machine cannot fail: this case is about the connection's own events.
    const subject = await started({ ...configFor(server.port), probeTimeoutMs: 10_000, probeFailures: 100 });
    await waitFor(() => verdicts.length === 1, 5000, 'the first verdict');
    expect(verdicts).toEqual(['up: Redis answers']);
    expect(subject.isHealthy).toBe(true);
    expect(subject.configured).toBe(true);
    await server.shutdown();
    await waitFor(() => verdicts.length === 2, 5000, 'the verdict after the shutdown');
    expect(verdicts[1]).toBe('down: connection closed');
    expect(subject.lastError).toBe('connection closed');
    expect(await subject.get('ns:a')).toBeUndefined();
    expect(await subject.fillTicket('ns:a')).toBeUndefined();
    expect(await subject.set('ns:a', '1', 1000)).toBe(false);
    await expect(subject.invalidate(['ns:a'])).rejects.toThrow();
    expect(subject.failures).toBe(4);
    await server.start();
    await waitFor(() => verdicts.length === 3, 5000, 'the verdict after the restart');
    expect(verdicts[2]).toBe('up: Redis answers');
    expect(await subject.set('ns:a', '1', 1000)).toBe(true);
    expect(await subject.get('ns:a')).toBe('1');
    expect(await subject.get('ns:missing')).toBeUndefined();
  });

  it('goes down after the configured failed probes in a row while the connection stays open, and up once one answers', async () => {
    await started(configFor(server.port));
    // The latest verdict, not a count: on a busy machine a 200 ms probe may also time out before the freeze.
    await waitFor(() => verdicts.at(-1) === 'up: Redis answers', 5000, 'the first verdict');
    server.freeze();
    await waitFor(() => verdicts.at(-1)?.startsWith('down') === true, 5000, 'the verdict while frozen');
    expect(verdicts.at(-1)).toBe('down: 2 health probes in a row failed: no answer to PING within 200 ms');
    server.thaw();
    await waitFor(() => verdicts.at(-1) === 'up: Redis answers', 5000, 'the verdict after the thaw');
  });

  it('stays down and reports why when nothing listens, and stops reporting once destroyed', async () => {
    const subject = await started(configFor(await freePort()));
    expect(subject.isHealthy).toBe(false);
    expect(subject.lastError).toEqual(expect.any(String));
    await subject.onModuleDestroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(verdicts).toEqual([]);
  });

  it('is not configured without a client', async () => {
    const subject = new RedisCacheStore(null, configFor(0));
    expect(subject.configured).toBe(false);
    await subject.start(() => verdicts.push('called'));
    expect(() => subject.get('ns:a')).toThrow('Redis is not configured');
    await subject.onModuleDestroy();
    expect(verdicts).toEqual([]);
  });
});
