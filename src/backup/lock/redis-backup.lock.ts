import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { errorMessage } from '../backup.errors.js';
import type { BackupLock, LockHandle } from './backup.lock.js';

const RENEW_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * `SET key token NX PX ttl`: taken by one replica, renewed while the run lasts (a crashed holder
 * loses it after the TTL), released only by its owner (compare-and-delete in Lua).
 */
export class RedisBackupLock implements BackupLock {
  readonly kind = 'redis' as const;
  private readonly logger = new Logger(RedisBackupLock.name);
  private readonly redis: Redis;

  constructor(
    connection: RedisOptions,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {
    // Fail fast like the cache's client: a Redis that accepts and never answers must not hang the
    // cron (the fallback lock takes over on the error).
    this.redis = new Redis({
      ...connection,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      enableOfflineQueue: false,
      disconnectTimeout: 100,
    });
    // Errors surface on the commands; this only keeps ioredis from printing unhandled-error warnings.
    this.redis.on('error', () => undefined);
  }

  async tryAcquire(): Promise<LockHandle | null> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
    const token = randomUUID();
    const taken = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return null;
    const renewal = setInterval(
      () => {
        this.redis.eval(RENEW_SCRIPT, 1, this.key, token, String(this.ttlMs)).then(
          (renewed) => {
            if (renewed !== 1) this.logger.warn('The backup lock expired before the run finished');
          },
          (error: unknown) => this.logger.warn(`Could not renew the backup lock: ${errorMessage(error)}`),
        );
      },
      Math.floor(this.ttlMs / 3),
    );
    renewal.unref();
    return {
      release: async (holdMs = 0) => {
        clearInterval(renewal);
        if (holdMs > 0) await this.redis.eval(RENEW_SCRIPT, 1, this.key, token, String(holdMs));
        else await this.redis.eval(RELEASE_SCRIPT, 1, this.key, token);
      },
    };
  }

  async close(): Promise<void> {
    if (this.redis.status !== 'wait' && this.redis.status !== 'end') this.redis.disconnect();
  }
}
