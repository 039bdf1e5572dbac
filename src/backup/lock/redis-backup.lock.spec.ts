import type { Redis } from 'ioredis';
import { once } from 'node:events';
import { randomNamespace, SHARED_REDIS_URL } from '../../../test/support/redis-server.js';
import { holderFor } from './backup.lock.js';
import { RedisBackupLock } from './redis-backup.lock.js';

describe('RedisBackupLock (shared Redis)', () => {
  const { hostname, port, pathname } = new URL(SHARED_REDIS_URL);
  const connection = { host: hostname, port: Number(port), db: Number(pathname.slice(1) || 0) };
  let lock: RedisBackupLock;
  beforeEach(() => (lock = new RedisBackupLock(connection, `${randomNamespace()}lock`, 10_000)));
  afterEach(() => lock.close());

  it('answers calls that arrive while its first connection opens', async () => {
    const holder = holderFor('replica-a', 'create');
    const [handle, claimed, current] = await Promise.all([lock.tryAcquire(holder), lock.claimSlot('slot', holder, 10_000), lock.holder()]);
    expect(handle).not.toBeNull();
    expect(claimed).toBe(true);
    await handle?.release();
    expect(current === null || current.instance === 'replica-a').toBe(true);
  });

  it('stays closed once closed: a late call fails instead of reopening the connection', async () => {
    expect(await lock.holder()).toBeNull();
    const redis = (lock as unknown as { redis: Redis }).redis;
    await lock.close();
    // The client is closed once its socket is: only then could a call reopen it.
    if (redis.status !== 'end') await once(redis, 'end');
    await expect(lock.holder()).rejects.toThrow();
  });

  it('stays closed when closed before it ever connected', async () => {
    await lock.close();
    await expect(lock.claimSlot('slot', holderFor('replica-a', 'create'), 10_000)).rejects.toThrow();
  });
});
