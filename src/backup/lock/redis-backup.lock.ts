import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { closeFailFastRedis, connectIfIdle } from '../../common/redis/fail-fast-redis.js';
import { errorMessage } from '../backup.errors.js';
import { isDeadHolder, parseHolder, type BackupLock, type LockHandle, type LockHolder } from './backup.lock.js';

const RENEW_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * `SET key holder NX PX ttl`: taken by one replica, renewed while the run lasts, released only by
 * its owner (compare-and-delete in Lua). A holder that died loses it after the TTL, or at once
 * when the next taker is on the same host and sees its process gone (a restarted replica).
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

  async tryAcquire(holder: LockHolder): Promise<LockHandle | null> {
    await connectIfIdle(this.redis);
    const value = JSON.stringify({ ...holder, token: randomUUID() });
    if (await this.take(value)) return this.handle(value);
    const current = await this.redis.get(this.key);
    const previous = parseHolder(current);
    if (!previous || !isDeadHolder(previous)) return null;
    this.logger.warn(`Taking over the backup lock of a process that is gone (pid ${previous.pid}, ${previous.operation})`);
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, current!);
    return (await this.take(value)) ? this.handle(value) : null;
  }

  async holder(): Promise<LockHolder | null> {
    await connectIfIdle(this.redis);
    return parseHolder(await this.redis.get(this.key));
  }

  async claimSlot(slot: string, holder: LockHolder, keepMs: number): Promise<boolean> {
    await connectIfIdle(this.redis);
    return (await this.redis.set(`${this.key}:slot:${slot}`, holder.instance, 'PX', keepMs, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    closeFailFastRedis(this.redis);
  }

  private async take(value: string): Promise<boolean> {
    return (await this.redis.set(this.key, value, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  private handle(value: string): LockHandle {
    const renewal = setInterval(
      () => {
        this.redis.eval(RENEW_SCRIPT, 1, this.key, value, String(this.ttlMs)).then(
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
      release: async () => {
        clearInterval(renewal);
        await this.redis.eval(RELEASE_SCRIPT, 1, this.key, value);
      },
    };
  }
}
