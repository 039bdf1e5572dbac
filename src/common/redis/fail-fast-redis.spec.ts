import { SHARED_REDIS_URL } from '../../../test/support/redis-server.js';
import { closeFailFastRedis, connectIfIdle, failFastRedis } from './fail-fast-redis.js';

describe('failFastRedis (shared Redis)', () => {
  const { hostname, port, pathname } = new URL(SHARED_REDIS_URL);
  const connection = { host: hostname, port: Number(port), db: Number(pathname.slice(1) || 0) };

  it('lets callers that arrive while the first connects wait for that attempt, so none fails on a half-open connection', async () => {
    const redis = failFastRedis(connection, 1_000);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, async () => (await connectIfIdle(redis), redis.ping())));
      expect(answers).toEqual(Array(5).fill('PONG'));
    } finally {
      closeFailFastRedis(redis);
    }
  });

  it('stays closed once closed, also when it never connected', async () => {
    const redis = failFastRedis(connection, 1_000);
    closeFailFastRedis(redis);
    await connectIfIdle(redis);
    expect(redis.status).toBe('end');
  });
});
